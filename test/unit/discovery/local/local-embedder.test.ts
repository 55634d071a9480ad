import { statSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { cosine, embedQuery } from '../../../../lib/discovery/embedder.ts'
import { wordsOf } from '../../../../lib/discovery/local/tokens.ts'
import { LocalEmbedder, modelFiles } from '../../../../lib/discovery/local-embedder.ts'

const embedder = new LocalEmbedder(1024)
const similarity = (a: string, b: string) => cosine(embedder.embedSync(a), embedder.embedSync(b))

describe('local embedder (WordNet concepts + GloVe word vectors, offline)', () => {
  it('gives unit vectors of the configured size, the same for the same text', async () => {
    // Act
    const [first, again] = [
      await embedder.embed('refund my order'),
      embedder.embedSync('refund my order'),
    ]

    // Assess
    expect(first).toHaveLength(1024)
    expect(first).toEqual(again)
    expect(Math.hypot(...first)).toBeCloseTo(1, 6)
  })

  it('finds meaning without shared words', () => {
    // Prepare: none of these queries shares a content word with its right answer.
    const weather =
      'Weather: current conditions and forecasts, temperature and precipitation for cities'
    const payments = 'Payments and refunds: reverse duplicate transactions, retry failed payments'
    const calculator =
      'Calculator: evaluates arithmetic expressions and converts units of measurement'

    // Assess
    expect(similarity('is it going to snow in Denver', weather)).toBeGreaterThan(
      similarity('is it going to snow in Denver', payments),
    )
    expect(similarity('square root of 2 times pi', calculator)).toBeGreaterThan(
      similarity('square root of 2 times pi', weather),
    )
    expect(similarity('I still have not gotten my money back', payments)).toBeGreaterThan(
      similarity('I still have not gotten my money back', calculator),
    )
  })

  it('reads inflections and one-letter typos as the word meant', () => {
    // Assess
    expect(similarity('refunds were issued', 'issue a refund')).toBeGreaterThan(0.6)
    expect(similarity('reimbursment for my taxi', 'reimbursement for my taxi')).toBeGreaterThan(0.8)
  })

  it('keeps names and codes it has never seen as words of their own', () => {
    // Assess: an unknown name matches itself, not whatever a name resembles.
    expect(similarity('invoice for Globex', 'Globex')).toBeGreaterThan(
      similarity('invoice for Globex', 'globe'),
    )
    expect(similarity('the runbooks for Kafka', 'a runbook')).toBeGreaterThan(0.2)
  })

  it('embeds a query of one long made-up word in as few look-ups as a short one', () => {
    // Prepare: the most a caller's query holds (maxQueryCharacters), one "word" each. Every
    // one-letter typo of a 2,000-letter word was tried, 56,000 strings of 2,000 letters: half a
    // second of the laptop gateway's one thread per /search or /route. Counted in the
    // vocabulary's look-ups, not in time: a loaded runner cannot fail it.
    const queries = ['a'.repeat(2000), 'ab'.repeat(1000), 'ing'.repeat(666)]
    embedder.embedSync('warm')
    const lookUps = (query: string) => {
      const get = vi.spyOn(Map.prototype, 'get')
      try {
        embedder.embedSync(query)
        return get.mock.calls.length
      } finally {
        get.mockRestore()
      }
    }

    // Act
    const short = lookUps('zorbleflax')
    const long = queries.map(lookUps)

    // Assess: a short made-up word's typos are looked up (some 280); a long one's are not.
    expect(short).toBeGreaterThan(100)
    for (const count of long) expect(count).toBeLessThanOrEqual(short)
  })

  it('reads a text alike in any Unicode form: accents typed as combining marks, full-width letters', () => {
    // Prepare: "météo" as macOS and many keyboards send it (e + U+0301), and as most text holds it.
    const decomposed = 'me\u0301te\u0301o a\u0300 Paris'
    const composed = 'm\u00e9t\u00e9o \u00e0 Paris'

    // Act
    const words = wordsOf(decomposed)

    // Assess: one word, not "me", "te", "o"; and the same vector as the composed text's.
    expect(words).toEqual(['météo', 'à', 'paris'])
    expect(embedder.embedSync(decomposed)).toEqual(embedder.embedSync(composed))
    expect(wordsOf('ｗｅａｔｈｅｒ in Ｔｏｋｙｏ')).toEqual(['weather', 'in', 'tokyo'])
  })

  it("keeps a word whole across its script's combining marks (Devanagari's vowel signs)", () => {
    // Act: "Tokyo's weather in October", in Hindi.
    const words = wordsOf('अक्टूबर में टोक्यो का मौसम')

    // Assess: each word whole ("अक्टूबर" was "अक", "ट", "बर"), and October read in English.
    expect(words).toEqual(['अक्टूबर', 'में', 'टोक्यो', 'का', 'मौसम'])
    expect(similarity('अक्टूबर', 'october')).toBeGreaterThan(0.5)
  })

  it('answers a text with no word it knows with a zero vector, not NaN', () => {
    // Act
    const vector = embedder.embedSync('  ?! … ')

    // Assess
    expect(vector.every((value) => value === 0)).toBe(true)
  })

  it('refuses a dimension too small to hash concepts into', () => {
    // Assess
    expect(() => new LocalEmbedder(128)).toThrow(/at least 256 dimensions, not 128/)
  })

  it('names the model file it cannot read, where its code runs without it (a Lambda zip): a 503 to mend, not to retry', async () => {
    // Prepare: the code where a bundle puts it, its model files not beside it.
    const missing = new LocalEmbedder(1024, {
      ...modelFiles,
      concepts: new URL('file:///var/task/chunks/local/wordnet-concepts.bin.gz'),
    })

    // Act
    const failure = await embedQuery(missing, 'weather in Oslo').then(
      () => new Error('embedded without its model'),
      (error: Error) => error,
    )

    // Assess
    expect(failure).toMatchObject({ name: 'SearchUnavailableError', code: 'search-unavailable' })
    expect(failure.message).toContain('wordnet-concepts.bin.gz')
    expect(failure.message).toContain('ENOENT')
    expect(failure.message).toContain('A retry will fail the same way')
    // A caller is told the file's name, not where the server keeps its code.
    expect(failure.message).not.toContain('/var/task')
  })

  it('ships its model in under 20 MB', () => {
    // Act
    const bytes = statSync(modelFiles.concepts).size + statSync(modelFiles.wordVectors).size

    // Assess
    expect(bytes).toBeLessThan(20 * 1024 * 1024)
  })
})
