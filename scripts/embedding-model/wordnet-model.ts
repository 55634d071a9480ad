import { baseForms } from '../../lib/discovery/local/morphy.ts'
import type { PackedModel } from '../../lib/discovery/local/packed-model.ts'
import { stopWords, wordsOf } from '../../lib/discovery/local/tokens.ts'
import { readWordNet, type Synset } from './read-wordnet.ts'

/** How much a related concept says about a synset, by WordNet pointer symbol. */
const relationWeight: Record<string, number> = {
  '@': 0.6, // hypernym
  '@i': 0.6, // instance of
  '+': 0.7, // derivationally related form (charge v. <-> charge n.)
  '\\': 0.7, // pertainym / derived from adjective
  '<': 0.6, // participle of
  '&': 0.6, // similar to
  '=': 0.5, // attribute
  $: 0.5, // verb group
  '^': 0.4, // also see
  ';c': 0.4, // domain of topic
  ';r': 0.3, // domain of region
  '*': 0.3, // entailment
  '>': 0.3, // cause
  '#m': 0.3,
  '#s': 0.3,
  '#p': 0.3, // holonyms
  '%m': 0.2,
  '%s': 0.2,
  '%p': 0.2, // meronyms
}
/** Broader concepts further up, each level weaker. */
const hypernymLevels = [0.35, 0.2]
const definitionWeight = 0.4
const maxFeatures = 24
const maxSenses = 12

const toByte = (value: number) => Math.max(0, Math.min(255, Math.round(value * 255)))

/**
 * WordNet's concepts for the offline embedder: per lemma, how telling it is and its
 * senses by tag count; per synset, its features (itself, broader concepts,
 * related forms, the words of its definition), weighed down where common.
 */
export const buildWordNetModel = (dict: string): PackedModel => {
  const { synsets, senses } = readWordNet(dict)
  const keys = [...synsets.keys()].sort()
  const indexOf = new Map(keys.map((key, i) => [key, i]))
  const lemmaOf = (word: string) => baseForms(word).find((form) => senses.has(form))

  // Inverse definition frequency: a word in many definitions says little.
  const definitionLemmas = new Map<string, string[]>()
  const definitionFrequency = new Map<string, number>()
  for (const synset of synsets.values()) {
    const lemmas = [
      ...new Set(
        wordsOf(synset.definition)
          .filter((word) => !stopWords.has(word))
          .map(lemmaOf)
          .filter((lemma): lemma is string => lemma !== undefined),
      ),
    ]
    definitionLemmas.set(synset.key, lemmas)
    for (const lemma of lemmas)
      definitionFrequency.set(lemma, (definitionFrequency.get(lemma) ?? 0) + 1)
  }
  const maxIdf = Math.log(synsets.size + 1)
  const informativeness = (lemma: string) =>
    stopWords.has(lemma)
      ? 0
      : Math.log((synsets.size + 1) / ((definitionFrequency.get(lemma) ?? 0) + 1)) / maxIdf
  const firstSense = (lemma: string) => senses.get(lemma)?.[0]?.synset

  const hypernymsOf = (synset: Synset) =>
    synset.pointers
      .filter(({ symbol }) => symbol === '@' || symbol === '@i')
      .map(({ target }) => target)

  const expansions = new Map<string, Map<string, number>>()
  for (const synset of synsets.values()) {
    const features = new Map<string, number>([[synset.key, 1]])
    const add = (key: string, weight: number) => {
      if (weight > (features.get(key) ?? 0)) features.set(key, weight)
    }
    for (const { symbol, target } of synset.pointers) {
      const weight = relationWeight[symbol]
      if (weight) add(target, weight)
    }
    let level = hypernymsOf(synset)
    for (const weight of hypernymLevels) {
      level = level.flatMap((key) => {
        const parent = synsets.get(key)
        return parent ? hypernymsOf(parent) : []
      })
      for (const key of level) add(key, weight)
    }
    for (const lemma of definitionLemmas.get(synset.key) ?? []) {
      const sense = firstSense(lemma)
      if (sense) add(sense, definitionWeight * informativeness(lemma))
    }
    expansions.set(synset.key, features)
  }

  // A concept in many expansions (entity, act, person) separates little: weigh it down.
  const conceptFrequency = new Map<string, number>()
  for (const features of expansions.values()) {
    for (const key of features.keys())
      conceptFrequency.set(key, (conceptFrequency.get(key) ?? 0) + 1)
  }
  const conceptWeight = (key: string) =>
    Math.log(synsets.size / (conceptFrequency.get(key) ?? 1)) / Math.log(synsets.size)

  const featureStart = new Uint32Array(keys.length + 1)
  const featureId: number[] = []
  const featureWeight: number[] = []
  keys.forEach((key, i) => {
    // The concept itself leads; related ones follow, the common among them weighed down.
    const related = [...(expansions.get(key) ?? [])]
      .filter(([feature]) => feature !== key)
      .map(([feature, weight]) => [feature, weight * conceptWeight(feature)] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxFeatures - 1)
    for (const [feature, weight] of [[key, 1] as const, ...related]) {
      featureId.push(indexOf.get(feature) as number)
      featureWeight.push(toByte(weight))
    }
    featureStart[i + 1] = featureId.length
  })

  const lemmas = [...senses.keys()].sort()
  const lemmaWeight = new Uint8Array(lemmas.length)
  const senseStart = new Uint32Array(lemmas.length + 1)
  const senseSynset: number[] = []
  const senseWeight: number[] = []
  lemmas.forEach((lemma, i) => {
    lemmaWeight[i] = toByte(informativeness(lemma))
    const list = (senses.get(lemma) ?? []).slice(0, maxSenses)
    const top = (list[0]?.tagCount ?? 0) + 0.5
    for (const { synset, tagCount } of list) {
      senseSynset.push(indexOf.get(synset) as number)
      senseWeight.push(toByte((tagCount + 0.5) / top))
    }
    senseStart[i + 1] = senseSynset.length
  })

  return {
    kind: 'wordnet-concepts',
    words: lemmas,
    arrays: {
      lemmaWeight,
      senseStart,
      senseSynset: Uint32Array.from(senseSynset),
      senseWeight: Uint8Array.from(senseWeight),
      featureStart,
      featureId: Uint32Array.from(featureId),
      featureWeight: Uint8Array.from(featureWeight),
    },
  }
}
