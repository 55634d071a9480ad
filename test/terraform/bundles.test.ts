// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll } from '../../scripts/build.ts'
import { wholeExpression } from './support/expressions.ts'
import {
  blockOf,
  loadStack,
  repoRoot,
  rootModule,
  stackDir,
  type TerraformModule,
} from './support/stack.ts'

describe('Terraform stack: function code', () => {
  let root: TerraformModule
  let outdir: string
  let built: string[]
  beforeAll(async () => {
    root = rootModule(await loadStack())
    outdir = await mkdtemp(join(tmpdir(), 'switchboard-tf-build-'))
    built = (await buildAll(outdir)).map((bundle) => bundle.handler).sort()
  })
  afterAll(() => rm(outdir, { recursive: true, force: true }))

  it('zips, for each function, a bundle `npm run build` writes', () => {
    // Prepare
    const archive = blockOf(root.data, 'archive_file', 'handler')
    const functions = Object.keys(root.locals.handlers as object).sort()

    // Assess
    expect(wholeExpression(archive.for_each)).toBe('local.handlers')
    expect(functions).toEqual(built)
    for (const name of functions) {
      const source = String(archive.source_file)
        .replace('${path.module}', stackDir)
        .replace('${each.key}', name)
      // Terraform reads <repo>/dist/...; the build under test wrote to outdir instead.
      const inBuild = join(outdir, relative(join(repoRoot, 'dist'), source))
      expect(existsSync(inBuild), `${source} (built as ${inBuild})`).toBe(true)
    }
  })

  it('runs each zip as Node 24 on arm64, with the handler its bundle exports', () => {
    // Prepare
    const archive = blockOf(root.data, 'archive_file', 'handler')
    const lambda = blockOf(root.resources, 'aws_lambda_function', 'handler')

    // Assess
    expect(lambda.runtime).toBe('nodejs24.x')
    expect(lambda.architectures).toEqual(['arm64'])
    expect(wholeExpression(lambda.filename)).toBe('data.archive_file.handler[each.key].output_path')
    expect(wholeExpression(lambda.source_code_hash)).toBe(
      'data.archive_file.handler[each.key].output_base64sha256',
    )
    // "<file>.handler": the zip holds <file>.mjs at its root, exporting `handler`.
    expect(lambda.handler).toBe(`${basename(String(archive.source_file), '.mjs')}.handler`)
  })
})
