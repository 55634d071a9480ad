import { all, create, isConstantNode, isFunctionNode, isSymbolNode, type MathNode } from 'mathjs'

// The typings declare `all` possibly undefined (a Record lookup); it never is.
if (all === undefined) throw new Error('mathjs did not export its function factories')

/**
 * A mathjs instance that evaluates what a calculator needs and nothing else.
 *
 * mathjs never uses `eval`, but a full instance still lets an expression
 * redefine itself (`import`, `createUnit`, `config`), re-enter the parser
 * (`evaluate`, `parse`, `simplify`, `derivative`) or allocate without bound
 * (`zeros(1e5, 1e5)`, `1:1e9`, `[1].resize([1e9])`). Two locks, so that one
 * mistake does not open the other:
 * 1. those functions are replaced in the instance by ones that throw, and
 * 2. every expression is parsed first and only numbers, units, operators and
 *    calls to an allow-list of math functions may appear in it.
 */
const math = create(all, {})

// Captured before the lock-down below replaces them in the namespace.
const parse = math.parse

// Everyday names mathjs does not know ("30 mph in km/h", "70 kg in pounds").
math.createUnit({
  mph: '1 mi/h',
  kph: '1 km/h',
  knot: { definition: '1.852 km/h', aliases: ['knots'] },
  pound: { definition: '1 lbm', aliases: ['pounds'] },
})

const LOCKED_FUNCTIONS = [
  'import',
  'createUnit',
  'config',
  'evaluate',
  'parse',
  'compile',
  'parser',
  'simplify',
  'simplifyConstant',
  'simplifyCore',
  'derivative',
  'rationalize',
  'resolve',
  'reviver',
  'replacer',
  'chain',
  'range',
  'zeros',
  'ones',
  'identity',
  'matrixFromFunction',
  'resize',
  'reshape',
  'concat',
  'kron',
  'map',
  'forEach',
  'filter',
]
math.import(
  Object.fromEntries(
    LOCKED_FUNCTIONS.map((name) => [
      name,
      () => {
        throw new Error(`${name} is not available in this calculator`)
      },
    ]),
  ),
  { override: true },
)

/** Functions an expression may call. Each runs in time bounded by its (short) input. */
const ALLOWED_FUNCTIONS = new Set([
  'abs',
  'sqrt',
  'cbrt',
  'nthRoot',
  'exp',
  'expm1',
  'log',
  'log10',
  'log2',
  'log1p',
  'pow',
  'round',
  'floor',
  'ceil',
  'fix',
  'sign',
  'mod',
  'gcd',
  'lcm',
  'hypot',
  'factorial',
  'min',
  'max',
  'sum',
  'prod',
  'mean',
  'median',
  'std',
  'variance',
  'sin',
  'cos',
  'tan',
  'sec',
  'csc',
  'cot',
  'asin',
  'acos',
  'atan',
  'atan2',
  'sinh',
  'cosh',
  'tanh',
  'asinh',
  'acosh',
  'atanh',
])

/** Longer input is not a calculation someone typed. */
export const MAX_EXPRESSION_LENGTH = 500

/** An expression that is well-formed but asks for something this calculator refuses. */
export class ExpressionNotAllowedError extends Error {
  override name = 'ExpressionNotAllowedError'
}

/**
 * Evaluates one math expression in the locked-down instance, with no variables.
 * Throws mathjs' own errors for malformed input ("Value expected (char 3)") and
 * ExpressionNotAllowedError for anything outside plain math.
 *
 * @example
 * evaluateMath('5 km to miles') // a mathjs Unit: 3.10685596... miles
 */
export function evaluateMath(expression: string): unknown {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionNotAllowedError(
      `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`,
    )
  }
  const tree = parse(expression)
  tree.traverse(assertAllowedNode)
  return tree.compile().evaluate({})
}

function assertAllowedNode(node: MathNode): void {
  if (isConstantNode(node)) {
    if (typeof node.value === 'string') {
      throw new ExpressionNotAllowedError('quoted text is not supported, only numbers and units')
    }
    return
  }
  if (isFunctionNode(node)) {
    if (!isSymbolNode(node.fn)) {
      throw new ExpressionNotAllowedError('method calls are not supported')
    }
    if (!ALLOWED_FUNCTIONS.has(node.fn.name)) {
      throw new ExpressionNotAllowedError(`the function ${node.fn.name}() is not available`)
    }
    return
  }
  switch (node.type) {
    case 'OperatorNode':
    case 'ParenthesisNode':
    case 'SymbolNode':
    case 'RelationalNode':
    case 'ConditionalNode':
      return
    case 'AssignmentNode':
    case 'FunctionAssignmentNode':
      throw new ExpressionNotAllowedError('assignments are not supported, only one expression')
    case 'BlockNode':
      throw new ExpressionNotAllowedError('only one expression at a time is supported')
    default:
      throw new ExpressionNotAllowedError(
        'matrices, ranges, objects and property access are not supported',
      )
  }
}

/** Formats a mathjs value (used for complex numbers) with the calculator's precision. */
export function formatMathValue(value: unknown, significantDigits: number): string {
  return math.format(value, { precision: significantDigits })
}
