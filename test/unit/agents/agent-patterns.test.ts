import { readdirSync, readFileSync } from 'node:fs'
import { parse } from '@babel/parser'
import { analyse } from 'scslre'
import { describe, expect, it } from 'vitest'

/** Where a regular expression is written, and the expression. */
interface Pattern {
  where: string
  source: string
  flags: string
}

/**
 * Every regular expression written in a directory's modules, found in their source so that a
 * new one cannot be left out; and every place one is built at run time (`RegExp(…)`), which
 * no check of the source can judge.
 */
const patternsIn = (directory: URL) => {
  const literals: Pattern[] = []
  const built: string[] = []
  const files = readdirSync(directory).filter((file) => file.endsWith('.ts'))
  for (const file of files) {
    const program = parse(readFileSync(new URL(file, directory), 'utf8'), {
      sourceType: 'module',
      plugins: ['typescript'],
    }).program
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const child of node) visit(child)
        return
      }
      if (node === null || typeof node !== 'object') return
      const { type, loc } = node as { type?: unknown; loc?: { start: { line: number } } }
      if (typeof type !== 'string') return
      const where = `${file}:${loc?.start.line}`
      if (type === 'RegExpLiteral') {
        const { pattern, flags } = node as unknown as { pattern: string; flags: string }
        literals.push({ where, source: pattern, flags })
      }
      const { callee } = node as {
        callee?: { type: string; name?: string; property?: { name?: string } }
      }
      if (
        (type === 'NewExpression' || type === 'CallExpression') &&
        (callee?.name === 'RegExp' || callee?.property?.name === 'RegExp')
      ) {
        built.push(where)
      }
      // `text.match('a+b')` (and matchAll, search) builds a RegExp of its string at run time too.
      const [first] = (node as { arguments?: { type: string }[] }).arguments ?? []
      if (
        type === 'CallExpression' &&
        ['match', 'matchAll', 'search'].includes(callee?.property?.name ?? '') &&
        (first?.type === 'StringLiteral' || first?.type === 'TemplateLiteral')
      ) {
        built.push(where)
      }
      for (const [key, value] of Object.entries(node)) if (key !== 'loc') visit(value)
    }
    visit(program)
  }
  return { files, literals, built }
}

/** Why a pattern reads some text in more than linear time, as scslre finds it; none if it does not. */
const superLinear = ({ source, flags }: Omit<Pattern, 'where'>) =>
  analyse({ source, flags }).reports.map(
    (report) =>
      `${report.exponential ? 'exponential' : 'polynomial'} (${report.type}) on a run of ${JSON.stringify(report.character.pick)}`,
  )

describe("the sample agents' regular expressions", () => {
  const calculator = patternsIn(new URL('../../../agents/calculator/', import.meta.url))

  it("the calculator's read any text in time linear in it, each one written found and judged", () => {
    // Prepare: a caller's text reaches them whole (the 280 KB a gateway passes on); judged by a
    // static checker, not by a clock: the same verdict on a loaded machine. The checker looks
    // for a repeated character that makes a pattern backtrack, or the search try every start
    // and read on from each (`/a+b/`), more than linearly; a repeated word is beyond it (below).

    // Act
    const unsafe = calculator.literals.flatMap(({ where, source, flags }) =>
      superLinear({ source, flags }).map((why) => `${where} /${source}/${flags}: ${why}`),
    )

    // Assess
    expect(calculator.files).toContain('normalize-expression.ts')
    expect(calculator.literals.length).toBeGreaterThan(30)
    expect(calculator.built).toEqual([])
    expect(unsafe).toEqual([])
  })

  // Patterns the calculator held, each of which a 280 KB message held for seconds to minutes (in
  // the commit that replaced it). The primes pattern before a4a1467, `\bprimes?\b\D*?(\d…)`,
  // was slow on a repeated word ("primes primes …"), which this checker cannot find: its
  // long-input test in skills.test.ts keeps the behaviour.
  it("the weather agent's read any text in time linear in it", () => {
    // Prepare
    const weather = patternsIn(new URL('../../../agents/weather/', import.meta.url))

    // Act
    const unsafe = weather.literals.flatMap(({ where, source, flags }) =>
      superLinear({ source, flags }).map((why) => `${where} /${source}/${flags}: ${why}`),
    )

    // Assess
    expect(weather.files).toContain('city-lookup.ts')
    expect(weather.built).toEqual([])
    expect(unsafe).toEqual([])
  })

  it('the modules both agents share, and their entry points, hold none unjudged: any they write is judged too', () => {
    // Prepare: caller text passes through these as well (agents/a2a/ reads a call's input).
    const shared = ['../../../agents/', '../../../agents/a2a/', '../../../agents/lambda/'].map(
      (directory) => patternsIn(new URL(directory, import.meta.url)),
    )

    // Act
    const unsafe = shared.flatMap(({ literals }) =>
      literals.flatMap(({ where, source, flags }) =>
        superLinear({ source, flags }).map((why) => `${where} /${source}/${flags}: ${why}`),
      ),
    )

    // Assess
    expect(shared.map(({ files }) => files.length > 0)).toEqual([true, true, true])
    expect(shared.flatMap(({ built }) => built)).toEqual([])
    expect(unsafe).toEqual([])
  })

  it.each([
    ['small talk (5d10053)', /\p{L}{2,}\s+\p{L}{2,}\s+\p{L}{2,}/u],
    ['trailing noise (c1a1c21)', /(?:[\s?.=]|(?<![\d)])!)+$/],
    ['"x% of y" (c1a1c21)', /(\d+(?:\.\d+)?)\s*(?:%|\s+per\s?cent)\s*of\b/gi],
    ['"x% of y" spaces (9b4ac31)', /(?<!\d)(\d+(?:\.\d+)?)\s*(?:%|\s+per\s?cent)\s*of\b/gi],
    ['a name before "(" (265750d)', /[A-Za-z_]\w*\s*$/],
    ['trailing commas (0b6837c)', /,+$/],
  ])('finds the %s pattern that came before', (_name, pattern) => {
    // Act
    const why = superLinear(pattern)

    // Assess
    expect(why).not.toEqual([])
  })
})
