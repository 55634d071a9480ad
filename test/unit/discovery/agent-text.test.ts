import { describe, expect, it } from 'vitest'
import { routingExampleText } from '../../../lib/discovery/agent-text.ts'
import { cosine } from '../../../lib/discovery/embedder.ts'
import { LocalEmbedder } from '../../../lib/discovery/local-embedder.ts'

describe('the text a routing example is embedded from', () => {
  it('keeps the operator’s phrase in the lead however long the description’s first sentence', async () => {
    // Prepare: a card (its agent writes it) whose description never ends a sentence, 26,100
    // characters of it. Taken whole as "the first sentence", it drowned the phrase: the
    // operator's exact phrase scored 0.086 against its own vector, under /route's 0.15.
    const embedder = new LocalEmbedder()
    const phrase = 'split the restaurant bill between friends'
    const runOn =
      'Adds, subtracts, multiplies and divides numbers, percentages, powers and roots for you '
    const card = { name: 'Calculator', description: runOn.repeat(300) }

    // Act
    const text = routingExampleText(phrase, card)
    const score = cosine(await embedder.embed(phrase), await embedder.embed(text))

    // Assess: the phrase leads (0.26), over the local embedder's 0.15 at which /route sends it.
    expect(text.startsWith(`${phrase}\nCalculator\nAdds, subtracts`)).toBe(true)
    expect(text.length).toBeLessThan(500)
    expect(score).toBeGreaterThan(0.15)
  })

  it('ends a long first sentence on a whole word', () => {
    // Act
    const text = routingExampleText('umbrella today?', {
      name: 'Weather',
      description: `${'forecasts '.repeat(40)}for any city. Also climate normals.`,
    })

    // Assess
    const lead = text.split('\n')[2] as string
    expect(lead.length).toBeLessThanOrEqual(300)
    expect(lead).toMatch(/^(forecasts )+forecasts$/)
  })

  it('cuts a first sentence with no space on a whole character, never half an emoji', () => {
    // Prepare: 300 code units of "a" and emoji end on the first half of the 150th emoji.
    const description = `a${'🌧'.repeat(200)}`

    // Act
    const text = routingExampleText('umbrella today?', { name: 'Weather', description })

    // Assess: text an embedding server can encode as UTF-8 (half a pair is no Unicode text).
    expect(text.isWellFormed()).toBe(true)
    expect(text.split('\n')[2]).toBe(`a${'🌧'.repeat(149)}`)
  })
})
