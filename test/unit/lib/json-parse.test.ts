import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseJson } from '../../../lib/json-parse.ts'

/** The key as written with every character escaped: `\u0074\u0061…`. */
const escapedWhole = (key: string) =>
  [...key]
    .flatMap((char) => char.split(''))
    .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .join('')

describe('parseJson', () => {
  it("reads an escaped key as written after an object named the key's first characters, escape and all", () => {
    // Prepare: Node 24's JSON.parse, having read a key `t\u006` here, reads `t\u0061skId` as it
    JSON.parse(String.raw`{"a":1,"t\\u006":2}`)
    const text = String.raw`{"a":1,"t\u0061skId":"someone-else's task"}`

    // Act
    const read = parseJson(text)

    // Assess
    expect(read).toEqual({ a: 1, taskId: "someone-else's task" })
  })

  it('reads a request whose message names its task with an escape, after a request that primed the parser', () => {
    // Prepare: the caller's first request names a key of the escape's first characters
    const request = (taskKey: string, id: number) =>
      `{"jsonrpc":"2.0","id":${id},"method":"SendMessage","params":{"message":{"messageId":"m${id}","role":"ROLE_USER",${taskKey}:"victim-task","parts":[{"text":"hi"}]}}}`
    parseJson(request(String.raw`"t\\u006"`, 1))

    // Act
    const read = parseJson(request(String.raw`"t\u0061skId"`, 2)) as {
      params: { message: Record<string, unknown> }
    }

    // Assess
    expect(read.params.message.taskId).toBe('victim-task')
    expect(Object.keys(read.params.message)).toEqual(['messageId', 'role', 'taskId', 'parts'])
  })

  it('reads every generated object with escaped keys as it was written, keys in order, whatever was read before', () => {
    // Prepare: objects of keys from an alphabet that needs escapes and one that does not, each
    // character escaped or not at random, and before each text one that primes the parser with
    // a key of each escaped key's first characters as written (seeded)
    let seed = 20261207
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
    const characters = ['a', 'i', 'd', 't', '1', '_', '\\', '"', '\n', '/', 'é', '😀', '\u2028']
    const written = (key: string) =>
      [...key]
        .map((char) => (next() < 0.5 ? escapedWhole(char) : JSON.stringify(char).slice(1, -1)))
        .join('')
    const cases = Array.from({ length: 4000 }, () => {
      const keys = Array.from({ length: 1 + Math.floor(next() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(characters)).join(''),
      ).concat(next() < 0.1 ? ['__proto__'] : [])
      const unique = [...new Set(keys)]
      const spelled = unique.map(written)
      const text = `{"x":[${spelled.map((key, at) => `{"k":0,"${key}":${at}}`).join(',')}]}`
      // As Node would read each key were it wrong: its first characters as written.
      const primer = `{"x":[${spelled
        .map(
          (key, at) =>
            `{"k":0,${JSON.stringify(key.slice(0, [...JSON.parse(`"${key}"`)].length))}:${at}}`,
        )
        .join(',')}]}`
      return { unique, text, primer }
    })

    // Act
    const misread = cases.filter(({ unique, text, primer }) => {
      JSON.parse(primer)
      const read = parseJson(text) as { x: Record<string, unknown>[] }
      return read.x.some(
        (item, at) =>
          JSON.stringify(Object.keys(item)) !==
            JSON.stringify(['k', unique[at] as string].sort(byJsOrder)) ||
          item[unique[at] as string] !== at,
      )
    })

    // Assess
    expect(misread.map(({ text }) => text)).toEqual([])
  })

  it('reads an escaped key with space before its colon, among values that hold escapes', () => {
    // Prepare
    JSON.parse(String.raw`{"v":"a\n","k\\u" :1,"w":""}`)

    // Act
    const read = parseJson(String.raw`{"v":"a\n","k\u0065y" :1,"w":"b\":"}`)

    // Assess
    expect(read).toEqual({ v: 'a\n', key: 1, w: 'b":' })
  })

  it('defines an escaped __proto__ key as a member, leaving the prototype as it is', () => {
    // Act
    const read = parseJson(String.raw`{"\u005f_proto__":{"polluted":true},"a":1}`) as Record<
      string,
      unknown
    >

    // Assess
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
    expect(Object.keys(read)).toEqual(['__proto__', 'a'])
    expect((read as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('keeps the last value of a key given twice, once escaped, in the place of the first, as JSON.parse does', () => {
    // Act
    const read = parseJson(String.raw`{"a":1,"b":2,"\u0061":3}`) as Record<string, unknown>

    // Assess
    expect(Object.entries(read)).toEqual([
      ['a', 3],
      ['b', 2],
    ])
  })

  it('keeps the last of a key given plainly, then escaped, then plainly again, as JSON.parse does', () => {
    // Act: an agent's answer naming one task to the gateway and another to its client
    const read = parseJson(String.raw`{"id":"victim","\u0069d":"mine","id":"victim"}`)

    // Assess
    expect(read).toEqual({ id: 'victim' })
  })

  it('keeps the last of an integer-like key given escaped, then plainly, as JSON.parse does', () => {
    // Act
    const read = parseJson(String.raw`{"b":0,"\u0031":"first","1":"last"}`) as Record<
      string,
      unknown
    >

    // Assess
    expect(Object.entries(read)).toEqual([
      ['1', 'last'],
      ['b', 0],
    ])
  })

  it('keeps the last of every key given several times, plainly or escaped, in the place of its first, as JSON.parse does', () => {
    // Prepare: objects of keys from a small set (integer-like, __proto__, plain, and keys JSON
    // writes only with an escape), each given once or more, each spelled plainly or with escapes
    // at random (seeded); what JSON.parse makes of them is what defining each member in turn makes (Object.fromEntries)
    let seed = 20261208
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed / 2 ** 32
    }
    const names = ['a', 'id', '1', '10', '__proto__', 'é', 'q"', 'line\n', 'back\\']
    const cases = Array.from({ length: 2000 }, () => {
      const members = Array.from({ length: 1 + Math.floor(next() * 6) }, (_, at) => {
        const name = names[Math.floor(next() * names.length)] as string
        return [name, at] as const
      })
      const spelled = members.map(([name, at]) => {
        const written = [...name]
          .map((char) => (next() < 0.4 ? escapedWhole(char) : JSON.stringify(char).slice(1, -1)))
          .join('')
        return `"${written}":${at}`
      })
      return { text: `{"x":[{${spelled.join(',')}}]}`, expected: Object.fromEntries(members) }
    })

    // Act
    const misread = cases.filter(({ text, expected }) => {
      const [read] = (parseJson(text) as { x: Record<string, unknown>[] }).x
      return JSON.stringify(Object.entries(read ?? {})) !== JSON.stringify(Object.entries(expected))
    })

    // Assess
    expect(misread.map(({ text }) => text)).toEqual([])
  })

  it('parses text with escapes only in values as JSON.parse does', () => {
    // Prepare
    const text = String.raw`{"a":"line\nbreak","b":["\"quoted\"",{"c":"\\"}],"d":"x\":y","e":["\u0061", ":"]}`

    // Act
    const read = parseJson(text)

    // Assess
    expect(read).toEqual(JSON.parse(text))
  })

  describe('a key that needs a stand-in', () => {
    afterEach(() => {
      vi.restoreAllMocks()
    })

    it('takes a stand-in no key starts with, though a key written plainly only once decoded does', () => {
      // Prepare: the first prefix drawn is `aaa_`, which the text holds only once its escaped key
      // `\u0061aa_0` is decoded and written plainly
      const draws = vi.spyOn(crypto, 'getRandomValues')
      draws.mockImplementationOnce((array) => array)
      const text = String.raw`{"\u0061aa_0":1,"\"":2}`

      // Act
      const read = parseJson(text) as Record<string, unknown>

      // Assess
      expect(Object.entries(read)).toEqual([
        ['aaa_0', 1],
        ['"', 2],
      ])
      expect(draws.mock.calls.length).toBeGreaterThan(1)
    })

    it('keeps the last of one such key given in two spellings, in the place of the first', () => {
      // Act
      const read = parseJson(String.raw`{"\"":1,"b":2,"\u0022":3}`) as Record<string, unknown>

      // Assess
      expect(Object.entries(read)).toEqual([
        ['"', 3],
        ['b', 2],
      ])
    })
  })

  it('throws on text that is no JSON, as JSON.parse does', () => {
    expect(() => parseJson(String.raw`{"\u0061":1`)).toThrow(SyntaxError)
  })
})

/** Object key order: integer-like keys first, ascending, then the rest as given. */
const byJsOrder = (a: string, b: string) => {
  const index = (key: string) =>
    /^(0|[1-9]\d*)$/.test(key) ? Number(key) : Number.POSITIVE_INFINITY
  return index(a) - index(b) || 0
}
