import type { TerraformModule } from './stack.ts'

/** `"${var.x}"` -> `var.x`; undefined when the string is not one whole interpolation. */
export const wholeExpression = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || !value.startsWith('${') || !value.endsWith('}')) return undefined
  // "${a}-${b}" is a template, not one expression: the first "${" must close at the very end.
  let depth = 0
  for (let index = 1; index < value.length; index++) {
    if (value[index] === '{') depth++
    else if (value[index] === '}' && --depth === 0) {
      return index === value.length - 1 ? value.slice(2, -1).trim() : undefined
    }
  }
  return undefined
}

/** Removes whitespace so two spellings of one expression compare equal. */
export const compact = (expression: string) => expression.replace(/\s+/g, '')

/**
 * The value a simple expression stands for: a literal, a `var.x` (its default)
 * or a `local.x` (its value, followed once more). Anything else is returned as
 * the expression text, for the caller to compare.
 */
export const resolveSimple = (module: TerraformModule, value: unknown, depth = 0): unknown => {
  const expression = wholeExpression(value)
  if (expression === undefined || depth > 5) return value
  const variable = /^var\.([A-Za-z0-9_-]+)$/.exec(expression)
  if (variable?.[1]) return module.variables[variable[1]]?.default
  const local = /^local\.([A-Za-z0-9_-]+)$/.exec(expression)
  if (local?.[1]) return resolveSimple(module, module.locals[local[1]], depth + 1)
  return value
}
