// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { format } from '@cdktf/hcl-tools'
import { beforeAll, describe, expect, it } from 'vitest'
import { isDeclared, referencesIn } from './support/references.ts'
import { loadStack, repoRoot, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: syntax', () => {
  let modules: TerraformModule[]
  beforeAll(async () => {
    // Prepare: loadStack rejects (failing every test) when a file does not parse.
    modules = await loadStack()
  })

  it('parses every .tf file', () => {
    // Assess
    const files = modules.flatMap((module) => module.files.map((file) => file.path))
    expect(files).toContain('terraform/api.tf')
    expect(files.length).toBeGreaterThanOrEqual(10)
  })

  it('formats every .tf file as terraform fmt does', async () => {
    // Act
    const unformatted: string[] = []
    for (const file of modules.flatMap((module) => module.files)) {
      if ((await format(file.text)) !== file.text) unformatted.push(file.path)
    }

    // Assess: run `terraform fmt -recursive terraform/` to fix
    expect(unformatted).toEqual([])
  })

  it('finds every file the stack reads or runs', () => {
    // Prepare: file("${path.module}/...") and local-exec "node ${path.module}/..."
    const paths = modules.flatMap((module) =>
      module.files.flatMap((file) =>
        [...file.text.matchAll(/(?:file\("|node )\$\{path\.module\}\/([^"\s)]+)/g)].map((match) =>
          join(repoRoot, module.dir, match[1] ?? ''),
        ),
      ),
    )

    // Assess
    expect(paths.length).toBeGreaterThanOrEqual(2)
    expect(paths.filter((path) => !existsSync(path))).toEqual([])
  })

  it('declares each resource, data source, variable and output once per module', () => {
    // Assess (hcl2json keeps a second block of the same name as a second body)
    const duplicates = modules.flatMap((module) =>
      [module.resources, module.data].flatMap((kind) =>
        Object.entries(kind).flatMap(([type, byName]) =>
          Object.entries(byName)
            .filter(([, bodies]) => bodies.length > 1)
            .map(([name]) => `${module.dir}: ${type}.${name}`),
        ),
      ),
    )
    expect(duplicates).toEqual([])
  })

  it('resolves every reference to something the same module declares', async () => {
    // Act
    const unresolved = []
    let found = 0
    for (const module of modules) {
      const references = await referencesIn(module)
      found += references.length
      unresolved.push(...references.filter((reference) => !isDeclared(module, reference.value)))
    }

    // Assess (and the references were found at all)
    expect(found).toBeGreaterThan(100)
    expect(unresolved).toEqual([])
  })
})
