/**
 * Issue 20's size goal for the code a function loads at a cold start, in KiB: read by
 * `npm run bench`'s summary and held by test/integration/build.test.ts, a count that a test can
 * keep where a time cannot (the import time is the benchmark's alone).
 */
export const coldStartBudgetKiB = 600
