import { baseForms } from './morphy.ts'
import { unpackModel } from './packed-model.ts'
import { stopWords } from './tokens.ts'

/** How much the word itself counts beside its concepts: exact names and jargon. */
const literalWeight = 0.6
/** How strongly the rest of the text chooses among a word's senses. */
const contextPull = 4
const longestPhrase = 3

/** Concept ids are synset numbers; a word WordNet lacks is a negative id of its own. */
export type Concepts = Map<number, number>

interface Token {
  lemmas: number[]
  /** The word (or phrase) itself. */
  literal: string
  weight: number
}

const literalId = (text: string) => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return -1 - (hash >>> 1)
}

/**
 * A text as WordNet concepts: each word's senses (weighed by how often each is
 * used, then by how well each fits the rest of the text), with the features the
 * model gives each sense, scaled by how much the word tells.
 */
export class WordNetConcepts {
  readonly #lemmas: string[]
  readonly #lemmaIndex: Map<string, number>
  readonly #lemmaWeight: Uint8Array
  readonly #senseStart: Uint32Array
  readonly #senseSynset: Uint32Array
  readonly #senseWeight: Uint8Array
  readonly #featureStart: Uint32Array
  readonly #featureId: Uint32Array
  readonly #featureWeight: Uint8Array

  constructor(file: Buffer) {
    const { words, arrays } = unpackModel(file, 'wordnet-concepts')
    const array = <T>(name: string) => {
      if (!arrays[name]) throw new Error(`The WordNet model has no ${name}`)
      return arrays[name] as T
    }
    this.#lemmas = words
    this.#lemmaIndex = new Map(words.map((lemma, i) => [lemma, i]))
    this.#lemmaWeight = array<Uint8Array>('lemmaWeight')
    this.#senseStart = array<Uint32Array>('senseStart')
    this.#senseSynset = array<Uint32Array>('senseSynset')
    this.#senseWeight = array<Uint8Array>('senseWeight')
    this.#featureStart = array<Uint32Array>('featureStart')
    this.#featureId = array<Uint32Array>('featureId')
    this.#featureWeight = array<Uint8Array>('featureWeight')
  }

  concepts(words: readonly string[]): Concepts {
    const tokens = this.#tokens(words)
    const senses = tokens.map((token) => this.#sensePriors(token))
    const context: Concepts = new Map()
    tokens.forEach((token, i) => {
      for (const [synset, prior] of senses[i] ?? []) {
        this.#addFeatures(context, synset, token.weight * prior)
      }
    })
    const concepts: Concepts = new Map()
    tokens.forEach((token, i) => {
      for (const [synset, share] of this.#chooseSenses(senses[i] ?? [], context, token.weight)) {
        this.#addFeatures(concepts, synset, token.weight * share)
      }
      const id = literalId(token.literal)
      concepts.set(id, (concepts.get(id) ?? 0) + literalWeight * token.weight)
    })
    return concepts
  }

  /** Whether WordNet has the word, or a form it may be an inflection of. */
  knows(word: string): boolean {
    return this.#lemmasOf(word).length > 0
  }

  /** Every lemma the word may be an inflection of (charged: charged, charge). */
  #lemmasOf(word: string): number[] {
    return baseForms(word)
      .map((form) => this.#lemmaIndex.get(form))
      .filter((index): index is number => index !== undefined)
  }

  #phraseAt(words: readonly string[], at: number): { lemma: number; length: number } | undefined {
    for (let length = Math.min(longestPhrase, words.length - at); length >= 2; length--) {
      const first = words[at] as string
      const last = words[at + length - 1] as string
      // "for one", "at all": a phrase that starts or ends on a function word is no concept.
      if (stopWords.has(first) || stopWords.has(last)) continue
      const middle = words.slice(at + 1, at + length - 1)
      // Either end may be inflected: "units of measurement", "signed up".
      for (const head of baseForms(first)) {
        for (const tail of baseForms(last)) {
          const lemma = this.#lemmaIndex.get([head, ...middle, tail].join('_'))
          if (lemma !== undefined) return { lemma, length }
        }
      }
    }
    return undefined
  }

  #tokens(words: readonly string[]): Token[] {
    const tokens: Token[] = []
    for (let i = 0; i < words.length; i++) {
      const phrase = this.#phraseAt(words, i)
      if (phrase) {
        tokens.push({
          lemmas: [phrase.lemma],
          literal: this.#lemmas[phrase.lemma] as string,
          weight: this.#weightOf(phrase.lemma),
        })
        i += phrase.length - 1
        continue
      }
      const word = words[i] as string
      if (stopWords.has(word)) continue
      // WordNet knows "83" as a cardinal number; a number in a request is an amount, not a topic.
      const lemmas = /^\p{N}+$/u.test(word) ? [] : this.#lemmasOf(word)
      if (lemmas.length > 0) {
        const weight = Math.max(...lemmas.map((lemma) => this.#weightOf(lemma)))
        if (weight > 0)
          tokens.push({ lemmas, literal: this.#lemmas[lemmas.at(-1) as number] as string, weight })
      } else {
        // Unknown to WordNet: a name, a code, jargon. Rare, so telling; bare numbers less so.
        // A plain plural of a name or code is the same name (runbooks, APIs).
        const literal = word.length > 4 && /[^s]s$/u.test(word) ? word.slice(0, -1) : word
        tokens.push({ lemmas: [], literal, weight: /^\p{N}+$/u.test(word) ? 0.2 : 0.8 })
      }
    }
    return tokens
  }

  #weightOf(lemma: number) {
    return (this.#lemmaWeight[lemma] as number) / 255
  }

  /** The senses of a word's lemmas with their prior shares (by tag count), summing to 1. */
  #sensePriors({ lemmas }: Token): [number, number][] {
    const priors = new Map<number, number>()
    for (const lemma of lemmas) {
      let total = 0
      const start = this.#senseStart[lemma] as number
      const end = this.#senseStart[lemma + 1] as number
      for (let s = start; s < end; s++) total += this.#senseWeight[s] as number
      for (let s = start; s < end; s++) {
        const synset = this.#senseSynset[s] as number
        const share = (this.#senseWeight[s] as number) / total / lemmas.length
        priors.set(synset, (priors.get(synset) ?? 0) + share)
      }
    }
    return [...priors]
  }

  #addFeatures(into: Concepts, synset: number, weight: number) {
    const end = this.#featureStart[synset + 1] as number
    for (let f = this.#featureStart[synset] as number; f < end; f++) {
      const id = this.#featureId[f] as number
      into.set(id, (into.get(id) ?? 0) + (weight * (this.#featureWeight[f] as number)) / 255)
    }
  }

  /** Re-weighs a word's senses by how well each fits the rest of the text (Lesk, in vectors). */
  #chooseSenses(priors: [number, number][], context: Concepts, tokenWeight: number) {
    if (priors.length < 2) return priors
    const fits = priors.map(([synset, prior]) => {
      let fit = 0
      let self = 0
      const end = this.#featureStart[synset + 1] as number
      for (let f = this.#featureStart[synset] as number; f < end; f++) {
        const weight = (this.#featureWeight[f] as number) / 255
        fit += weight * (context.get(this.#featureId[f] as number) ?? 0)
        self += weight * weight
      }
      // The word's own part of the context is no evidence for its sense.
      const evidence = Math.max(0, fit - tokenWeight * prior * self)
      return prior * (1 + contextPull * evidence)
    })
    const total = fits.reduce((sum, fit) => sum + fit, 0)
    return priors.map(([synset], i): [number, number] => [synset, (fits[i] as number) / total])
  }
}
