// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { existsSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from '@cdktf/hcl-tools'
import { beforeAll, describe, expect, it } from 'vitest'
import { isDeclared, referencesIn } from './support/references.ts'
import { type Body, loadStack, repoRoot, stackDir, type TerraformModule } from './support/stack.ts'
import {
  localProviders,
  pluginDirs,
  runTerraform,
  satisfiesPessimistic,
  terraformBinary,
} from './support/terraform-cli.ts'

/** Every module's required providers: `hashicorp/aws` => its version constraints. */
const requiredProviders = (modules: TerraformModule[]) => {
  const required = new Map<string, Set<string>>()
  for (const file of modules.flatMap((module) => module.files)) {
    for (const block of (file.json.terraform ?? []) as Body[]) {
      for (const providers of (block.required_providers ?? []) as Body[]) {
        for (const { source, version } of Object.values(providers) as Body[]) {
          const constraints = required.get(String(source)) ?? new Set<string>()
          constraints.add(String(version))
          required.set(String(source), constraints)
        }
      }
    }
  }
  return required
}

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

  it('pins every provider below its next major version (~>)', () => {
    // Assess
    const required = requiredProviders(modules)
    expect([...required.keys()].sort()).toEqual(['hashicorp/archive', 'hashicorp/aws'])
    for (const [source, constraints] of required) {
      for (const constraint of constraints) expect(constraint, source).toMatch(/^~> \d+\.\d+$/)
    }
    expect(required.get('hashicorp/aws')).toEqual(new Set(['~> 6.28']))
  })

  it('passes `terraform fmt -check -recursive` (when terraform is on PATH)', async (context) => {
    // Prepare
    const binary = terraformBinary()
    if (!binary)
      return context.skip('terraform is not on PATH: the hclwrite comparison above stands in')

    // Act
    const run = await runTerraform(binary, ['fmt', '-check', '-recursive', '-no-color'], stackDir)

    // Assess: fmt lists each file it would change
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([])
    expect(run.code).toBe(0)
  }, 30_000)

  it('passes `terraform validate` with the pinned providers (when they are on this machine)', async (context) => {
    // Prepare: Terraform cannot download providers here, so only local plugins count.
    const binary = terraformBinary()
    if (!binary) return context.skip('terraform validate skipped: terraform is not on PATH')
    const found = localProviders()
    const missing = [...requiredProviders(modules)].filter(
      ([source, constraints]) =>
        !found.some(
          (plugin) =>
            plugin.source === `registry.terraform.io/${source}` &&
            [...constraints].every((constraint) =>
              satisfiesPessimistic(plugin.version, constraint),
            ),
        ),
    )
    if (missing.length > 0) {
      return context.skip(
        `terraform validate skipped: no local plugin satisfies ${missing
          .map(([source, constraints]) => `${source} ${[...constraints].join(', ')}`)
          .join(' and ')} (found: ${
          found.map((plugin) => `${plugin.source} ${plugin.version}`).join(', ') || 'none'
        }; looked in ${pluginDirs().join(', ')}), and providers cannot be downloaded offline`,
      )
    }
    const copy = await mkdtemp(join(tmpdir(), 'switchboard-tf-validate-'))
    try {
      await cp(stackDir, copy, {
        recursive: true,
        filter: (path) => !/[\\/]\.(terraform|build)([\\/]|$)/.test(path),
      })
      const mirrors = [...new Set(found.map((plugin) => plugin.mirror))]

      // Act
      const init = await runTerraform(
        binary,
        ['init', '-backend=false', '-no-color', ...mirrors.map((dir) => `-plugin-dir=${dir}`)],
        copy,
      )
      const validate = await runTerraform(binary, ['validate', '-no-color'], copy)

      // Assess
      expect(init.code, init.stderr).toBe(0)
      expect(validate.code, `${validate.stdout}${validate.stderr}`).toBe(0)
    } finally {
      await rm(copy, { recursive: true, force: true })
    }
  }, 180_000)
})
