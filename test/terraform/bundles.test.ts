// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { existsSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { sharedBuild } from '../support/shared-services.ts'
import { wholeExpression } from './support/expressions.ts'
import { blockOf, loadStack, repoRoot, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: function code', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let outdir: string
  let built: string[]
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    const build = await sharedBuild(inject('sharedServices'))
    outdir = build.outdir
    built = build.handlers.map((bundle) => bundle.handler).sort()
  }, 60_000) // A whole build (shared with the other files that read one): handlers, agents, middlewares, types.

  /** Where the build under test wrote what Terraform reads from <repo>/dist/. */
  const builtCopyOf = (module: TerraformModule, sourceFile: string, key: string) => {
    const source = sourceFile
      .replace('${path.module}', join(repoRoot, module.dir))
      .replace('${each.key}', key)
    return { source, inBuild: join(outdir, relative(join(repoRoot, 'dist'), source)) }
  }
  const sampleAgents = () => {
    const module = modules.find(({ dir }) => dir === 'terraform/modules/sample-agents')
    if (!module) throw new Error('no terraform/modules/sample-agents')
    return module
  }

  it('zips, for each function, a bundle `npm run build` writes', () => {
    // Prepare
    const archive = blockOf(root.data, 'archive_file', 'handler')
    const functions = Object.keys(root.locals.handlers as object).sort()

    // Assess
    expect(wholeExpression(archive.for_each)).toBe('local.handlers')
    expect(functions).toEqual(built)
    for (const name of functions) {
      const { source, inBuild } = builtCopyOf(root, String(archive.source_dir), name)
      expect(existsSync(join(inBuild, 'index.mjs')), `${source} (built as ${inBuild})`).toBe(true)
    }
  })

  it('zips, for each sample agent, a bundle `npm run build` writes', () => {
    // Prepare
    const module = sampleAgents()
    const archive = blockOf(module.data, 'archive_file', 'agent')
    const lambda = blockOf(module.resources, 'aws_lambda_function', 'agent')

    // Assess
    expect(wholeExpression(archive.for_each)).toBe('local.agents')
    expect(wholeExpression(lambda.for_each)).toBe('local.agents')
    expect(Object.keys(module.locals.agents as object).sort()).toEqual(['calculator', 'weather'])
    for (const name of Object.keys(module.locals.agents as object)) {
      const { source, inBuild } = builtCopyOf(module, String(archive.source_file), name)
      expect(existsSync(inBuild), `${source} (built as ${inBuild})`).toBe(true)
    }
    expect(lambda).toMatchObject({ runtime: 'nodejs24.x', architectures: ['arm64'] })
    expect(lambda.handler).toBe(`${basename(String(archive.source_file), '.mjs')}.handler`)
    const url = blockOf(module.resources, 'aws_lambda_function_url', 'agent')
    expect(url.invoke_mode).toBe('RESPONSE_STREAM')
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
    // The zip holds the handler's folder: index.mjs at its root, exporting `handler`.
    expect(archive.source_dir).toBe('${path.module}/../dist/handlers/${each.key}')
    expect(lambda.handler).toBe('index.handler')
  })
})
