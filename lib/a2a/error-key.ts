/**
 * Whether JSON text may hold the key `"error"`: as written, or spelled with an escape of one of its
 * letters (`"\u0065rror"`, which every JSON reader, the caller's client too, reads as `"error"`;
 * `e`, `r`, `o` escape to `\u006…`/`\u007…`). Else a hostile agent could fail its calls unseen by
 * the metrics and the access line. Escapes of other characters (Go's `\u003c`) leave text ruled out.
 */
export const mayNameError = (text: string | Uint8Array): boolean => {
  const bytes =
    typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength)
  return bytes.includes('"error"') || bytes.includes('\\u006') || bytes.includes('\\u007')
}

/**
 * Why an agent's error has no code the metrics can judge it by: an `error` that is no object
 * (`"error":"boom"`, `null`), one without `code`, or one whose `code` is no integer (`"-32603"`,
 * `-32603.5`).
 */
export type UncodedError = 'no error object' | 'no code' | 'a code that is no integer'

/** An agent's error as the metrics read it: its integer code, or why it has none. */
export type AgentErrorCode = number | UncodedError

/**
 * The code of an error an agent answered (JSON-RPC's `error`, an HTTP+JSON error event's body),
 * or why it has none. @a2a-js/sdk's client throws on any `error` key, and on any HTTP+JSON `error`
 * event, whatever it holds: so an error with no integer code is still the agent's error, and counts
 * as its failure (`callRecorder`), where until the 29th session it counted as a success.
 */
export const errorCodeIn = (error: unknown): AgentErrorCode => {
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return 'no error object'
  if (!Object.hasOwn(error, 'code')) return 'no code'
  const { code } = error as { code: unknown }
  return typeof code === 'number' && Number.isInteger(code) ? code : 'a code that is no integer'
}
