import { getReferencesInExpression } from '@cdktf/hcl2json'
import { type Body, stringsIn, type TerraformModule } from './stack.ts'

/** Names every expression may use without a declaration. */
const builtIns = new Set(['each', 'count', 'path', 'self', 'terraform'])

export interface Reference {
  file: string
  /** Attribute path of the string that holds the reference. */
  at: string
  /** e.g. `aws_lambda_function.handler."agents".arn` */
  value: string
}

/** Every `dynamic "name"` block's name: `name.value` is its iterator. */
const dynamicBlockNames = (value: unknown, found = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) for (const item of value) dynamicBlockNames(item, found)
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value as Body)) {
      if (key === 'dynamic' && item && typeof item === 'object') {
        for (const name of Object.keys(item)) found.add(name)
      }
      dynamicBlockNames(item, found)
    }
  }
  return found
}

/** Every reference (`var.x`, `local.y`, `aws_foo.bar`, `data.a.b`, `module.m`) in a module. */
export const referencesIn = async (module: TerraformModule): Promise<Reference[]> => {
  const references: Reference[] = []
  for (const file of module.files) {
    for (const { at, text } of stringsIn(file.json)) {
      // A variable's `type` (string, list(string)) is a type expression, not a
      // reference; a moved block's `from` names an address no longer declared; a
      // provisioner's `when` (destroy) is a keyword; `ignore_changes` names the resource's own
      // attributes.
      if (
        !text.includes('${') ||
        /^variable\.[^.]+\[\d+\]\.type$|^moved\[\d+\]\.from$|\.provisioner\.[^.]+\[\d+\]\.when$|\.lifecycle\[\d+\]\.ignore_changes(\[\d+\])?$/.test(
          at,
        )
      )
        continue
      for (const { value } of await getReferencesInExpression(file.path, text)) {
        references.push({ file: file.path, at, value })
      }
    }
  }
  return references
}

/** Whether a reference names something the module declares (or a built-in). */
export const isDeclared = (module: TerraformModule, reference: string): boolean => {
  const iterators = dynamicBlockNames(module.files.map((file) => file.json))
  const [first = '', second = '', third = ''] = reference.split('.')
  if (builtIns.has(first) || iterators.has(first)) return true
  switch (first) {
    case 'var':
      return second in module.variables
    case 'local':
      return second in module.locals
    case 'module':
      return second in module.modules
    case 'data':
      return Boolean(module.data[second]?.[third])
    default:
      return Boolean(module.resources[first]?.[second])
  }
}
