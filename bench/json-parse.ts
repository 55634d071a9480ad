/**
 * What `parseJson` (lib/json-parse.ts) costs beside `JSON.parse`: a small A2A request with no
 * backslash and one with a line break in its text (µs a parse, hot), and the worst texts a caller
 * can send within the default MAX_REQUEST_BYTES, one object of escaped keys (ms a parse). Each
 * figure is the median of BENCH_ROUNDS (5) rounds taken turn about with `JSON.parse`.
 * Run with `node bench/json-parse.ts`.
 */

import { defaultMaxRequestBytes } from '../lib/config.ts'
import { parseJson } from '../lib/json-parse.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)

/** One object of members made by `member` until the text is as large as a request may be. */
const filledObject = (member: (index: number) => string): string => {
  const members: string[] = []
  let size = 2
  for (let index = 0; size < defaultMaxRequestBytes - 64; index++) {
    const written = member(index)
    members.push(written)
    size += written.length + 1
  }
  return `{${members.join(',')}}`
}

const request = (text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'SendMessage',
    params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text }] } },
  })

const small: [label: string, text: string][] = [
  ['A2A request, no backslash', request('What is the weather in Paris today?')],
  ['A2A request, a line break in its text', request('What is the weather\nin Paris today?')],
]
const worst: [label: string, text: string][] = [
  ['keys spelled with an escape ("k\\u0065y1")', filledObject((i) => `"k\\u0065y${i}":${i}`)],
  [
    'keys JSON writes only with one, each its own ("\\"1")',
    filledObject((i) => `"\\"${i.toString(36)}":0`),
  ],
  ['one such key given again and again ("\\"")', filledObject(() => `"\\"":0`)],
  [
    'plain keys, the first also given escaped',
    filledObject((i) => (i === 0 ? `"\\u006b0":0,"k0":1` : `"k${i}":${i}`)),
  ],
]

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

/** CPU ms of `count` parses of `text` by `parse`. */
const cpuMs = (parse: (text: string) => unknown, text: string, count: number) => {
  const started = process.cpuUsage()
  for (let i = 0; i < count; i++) parse(text)
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1000
}

const turnAbout = (text: string, count: number) => {
  const plain: number[] = []
  const ours: number[] = []
  for (let round = 0; round < rounds; round++) {
    plain.push(cpuMs(JSON.parse, text, count) / count)
    ours.push(cpuMs(parseJson, text, count) / count)
  }
  return { plain: median(plain), ours: median(ours) }
}

const rows: string[][] = []
for (const [label, text] of small) {
  cpuMs(parseJson, text, 50_000)
  cpuMs(JSON.parse, text, 50_000)
  const { plain, ours } = turnAbout(text, 100_000)
  rows.push([
    `${label} (${text.length} B)`,
    `${(plain * 1000).toFixed(2)} µs`,
    `${(ours * 1000).toFixed(2)} µs`,
  ])
}
for (const [label, text] of worst) {
  const { plain, ours } = turnAbout(text, 1)
  rows.push([
    `${label}, one object (${(text.length / 2 ** 20).toFixed(1)} MiB)`,
    `${plain.toFixed(0)} ms`,
    `${ours.toFixed(0)} ms`,
  ])
}
console.log('| text | JSON.parse | parseJson |\n| --- | --- | --- |')
for (const row of rows) console.log(`| ${row.join(' | ')} |`)
