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
