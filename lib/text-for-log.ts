/**
 * An agent's or a caller's text as a log line quotes it (a task id an answer named, say): whole up
 * to `max` characters, else its first `max` and "…". An agent chooses its ids, and an error's
 * message goes to the log twice (message and stack): a task id of a megabyte made a line of two.
 * Never cut inside a surrogate pair.
 *
 * @example
 * textForLog('t-1') // 't-1'
 * textForLog('x'.repeat(1_000_000)) // 128 "x"s and "…"
 */
export const textForLog = (text: string, max = 128): string => {
  if (text.length <= max) return text
  // `max` characters take at most twice as many code units (a surrogate pair each): a text longer
  // than that holds more than `max` of them, whatever they are. Read only `max + 1` units, a text
  // of emoji read as at most `max` characters and was quoted whole, a megabyte of it.
  const characters = Array.from(text.slice(0, 2 * max + 1))
  return characters.length <= max ? text : `${characters.slice(0, max).join('')}…`
}
