import { gunzipSync, gzipSync } from 'node:zlib'

type PackedArray = Uint8Array | Int8Array | Uint32Array

/**
 * A model file of the offline embedder: a word list and named typed arrays,
 * gzipped. Same input, same bytes (gzip writes no timestamp here), so a rebuilt
 * model shows in git only when its data changed.
 */
export interface PackedModel {
  kind: string
  words: string[]
  arrays: Record<string, PackedArray>
}

const constructors = { u8: Uint8Array, i8: Int8Array, u32: Uint32Array } as const
type ArrayType = keyof typeof constructors
const typeOf = (array: PackedArray): ArrayType =>
  array instanceof Uint32Array ? 'u32' : array instanceof Int8Array ? 'i8' : 'u8'

export const packModel = ({ kind, words, arrays }: PackedModel): Buffer => {
  const wordBytes = Buffer.from(words.join('\n'), 'utf8')
  const entries = Object.entries(arrays)
  const header = Buffer.from(
    JSON.stringify({
      kind,
      wordBytes: wordBytes.length,
      arrays: entries.map(([name, array]) => ({ name, type: typeOf(array), length: array.length })),
    }),
  )
  const headerLength = Buffer.alloc(4)
  headerLength.writeUInt32LE(header.length)
  const body = entries.map(([, array]) =>
    Buffer.from(array.buffer, array.byteOffset, array.byteLength),
  )
  return gzipSync(Buffer.concat([headerLength, header, wordBytes, ...body]), { level: 9 })
}

export const unpackModel = (file: Buffer, kind: string): PackedModel => {
  const bytes = gunzipSync(file)
  const headerLength = bytes.readUInt32LE(0)
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as {
    kind: string
    wordBytes: number
    arrays: { name: string; type: ArrayType; length: number }[]
  }
  if (header.kind !== kind) throw new Error(`Expected a ${kind} model, got ${header.kind}`)
  let at = 4 + headerLength
  const words = bytes
    .subarray(at, at + header.wordBytes)
    .toString('utf8')
    .split('\n')
  at += header.wordBytes
  const arrays: Record<string, PackedArray> = {}
  for (const { name, type, length } of header.arrays) {
    const Constructor = constructors[type]
    const size = length * Constructor.BYTES_PER_ELEMENT
    // A copy: typed arrays need their offset aligned, a slice of the file may not be.
    arrays[name] = new Constructor(new Uint8Array(bytes.subarray(at, at + size)).buffer)
    at += size
  }
  return { kind, words, arrays }
}
