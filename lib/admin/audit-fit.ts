import { createHash } from 'node:crypto'

/**
 * The most an entry's before and after records take together, as JSON. DynamoDB holds an
 * item to 400 KB and CloudWatch Logs an event to 256 KB; an agent's record holds its card,
 * which may be 256 KiB, so an update of such an agent would hold two.
 */
export const maxAuditRecordsBytes = 200_000

/** What the trail keeps of a field too large for it: its size and digest, so a change still shows. */
export interface OmittedField {
  omitted: 'too large for the audit trail'
  bytes: number
  sha256: string
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '')

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const omitted = (value: unknown): OmittedField => {
  const json = JSON.stringify(value) ?? ''
  return {
    omitted: 'too large for the audit trail',
    bytes: Buffer.byteLength(json),
    sha256: createHash('sha256').update(json).digest('hex'),
  }
}

/**
 * Before and after as the trail can hold them: whole while together they fit
 * `maxAuditRecordsBytes`, else their largest top-level fields (an agent's card), largest
 * first by their size on both sides, each replaced on both sides by its size and SHA-256
 * until they fit. A field unchanged keeps one digest on both sides, so the console shows no
 * change there, and a changed one shows as a change of digest.
 *
 * @example
 * fittedToTrail({ card: huge }, { card: huger }) // { before: { card: { omitted, bytes, sha256 } }, after: … }
 */
export const fittedToTrail = (
  before: unknown,
  after: unknown,
  maxBytes = maxAuditRecordsBytes,
): { before: unknown; after: unknown } => {
  let size = jsonBytes([before, after])
  if (size <= maxBytes) return { before, after }
  const sides = [before, after].map((record) => (isRecord(record) ? { ...record } : record))
  const records = sides.filter(isRecord)
  const names = [...new Set(records.flatMap((record) => Object.keys(record)))]
  const bytesOf = (name: string) =>
    records.reduce((sum, record) => sum + (name in record ? jsonBytes(record[name]) : 0), 0)
  const largestFirst = names
    .map((name) => ({ name, bytes: bytesOf(name) }))
    .sort((a, b) => b.bytes - a.bytes)
  for (const { name, bytes } of largestFirst) {
    if (size <= maxBytes) break
    for (const record of records) if (name in record) record[name] = omitted(record[name])
    size -= bytes - bytesOf(name)
  }
  return { before: sides[0], after: sides[1] }
}
