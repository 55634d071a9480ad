/**
 * What an answer that is one caller's carries: no browser, proxy or disk may keep it
 * (`Cache-Control: no-store`), nor read it as another type than it says (`nosniff`). The
 * `noStore` middleware adds it to what a handler answers; an A2A refusal carries it itself
 * (`renderA2AFailure`), as a middleware's `before` that answers early skips every `after`.
 */
export const noStoreHeaders: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}
