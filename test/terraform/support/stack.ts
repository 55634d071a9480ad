import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from '@cdktf/hcl2json'

/** The repository's root and its Terraform stack. */
export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
export const stackDir = join(repoRoot, 'terraform')

/** A block body as hcl2json gives it: attributes, nested blocks as arrays of bodies. */
export type Body = Record<string, unknown>

export interface TerraformFile {
  /** Relative to the repository, e.g. terraform/api.tf */
  path: string
  text: string
  json: Record<string, unknown>
}

/** One Terraform module (a folder): what it declares, by kind and name. */
export interface TerraformModule {
  dir: string
  files: TerraformFile[]
  /** resources[type][name] = every block so declared (more than one is an error). */
  resources: Record<string, Record<string, Body[]>>
  data: Record<string, Record<string, Body[]>>
  variables: Record<string, Body>
  locals: Record<string, unknown>
  outputs: Record<string, Body>
  modules: Record<string, Body>
}

const tfFilesUnder = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : tfFilesUnder(path)
      return entry.name.endsWith('.tf') ? [path] : []
    }),
  )
  return nested.flat().sort()
}

const mergeLabelled = (
  into: Record<string, Record<string, Body[]>>,
  from: Record<string, Record<string, Body[]>> | undefined,
) => {
  for (const [type, byName] of Object.entries(from ?? {})) {
    for (const [name, bodies] of Object.entries(byName)) {
      into[type] ??= {}
      into[type][name] = [...(into[type][name] ?? []), ...bodies]
    }
  }
}

const single = (from: Record<string, Body[]> | undefined, into: Record<string, Body>) => {
  for (const [name, bodies] of Object.entries(from ?? {})) into[name] = bodies[0] ?? {}
}

/** Parses every .tf file under `dir` (once per call) and groups them by module folder. */
export const loadStack = async (dir = stackDir): Promise<TerraformModule[]> => {
  const modules = new Map<string, TerraformModule>()
  for (const file of await tfFilesUnder(dir)) {
    const text = await readFile(file, 'utf8')
    const path = relative(repoRoot, file)
    const json = (await parse(path, text)) as Record<string, never>
    const folder = dirname(path)
    const module = modules.get(folder) ?? {
      dir: folder,
      files: [],
      resources: {},
      data: {},
      variables: {},
      locals: {},
      outputs: {},
      modules: {},
    }
    modules.set(folder, module)
    module.files.push({ path, text, json })
    mergeLabelled(module.resources, json.resource)
    mergeLabelled(module.data, json.data)
    single(json.variable, module.variables)
    single(json.output, module.outputs)
    single(json.module, module.modules)
    for (const locals of (json.locals ?? []) as Body[]) Object.assign(module.locals, locals)
  }
  return [...modules.values()]
}

/** The root module (terraform/ itself). */
export const rootModule = (modules: TerraformModule[]): TerraformModule => {
  const root = modules.find((module) => module.dir === 'terraform')
  if (!root) throw new Error('no terraform/ root module')
  return root
}

/** The one block of a resource (or data source), failing loudly when it is missing. */
export const blockOf = (
  blocks: Record<string, Record<string, Body[]>>,
  type: string,
  name: string,
): Body => {
  const found = blocks[type]?.[name]
  if (!found?.[0]) throw new Error(`${type}.${name} is not declared`)
  return found[0]
}

/** A nested block's bodies (`environment`, `statement`, ...): hcl2json makes each an array. */
export const nested = (body: Body, name: string): Body[] => (body[name] as Body[] | undefined) ?? []

/** Every string in a parsed body, however deep, with the attribute path that holds it. */
export const stringsIn = (value: unknown, at = ''): { at: string; text: string }[] => {
  if (typeof value === 'string') return [{ at, text: value }]
  if (Array.isArray(value))
    return value.flatMap((item, index) => stringsIn(item, `${at}[${index}]`))
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      stringsIn(item, at ? `${at}.${key}` : key),
    )
  }
  return []
}
