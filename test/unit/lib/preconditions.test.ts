import { describe, expect, it } from 'vitest'
import { ZodError } from 'zod'
import {
  assertConditionsTaken,
  createOnlyOf,
  ifMatchOf,
  ifMatchPasses,
  parseIfMatch,
} from '../../../lib/http/preconditions.ts'

/** The 400's entries a ZodError thrown by `act` would answer, or none. */
const refusal = (act: () => unknown) => {
  try {
    act()
    return undefined
  } catch (error) {
    if (!(error instanceof ZodError)) throw error
    return error.issues.map(({ path, message }) => ({ field: path.join('.'), message }))
  }
}

describe('If-Match, as RFC 9110 writes it', () => {
  it('reads *, one tag, and a list of strong and weak tags, a comma inside a tag included', () => {
    // Assess
    expect(parseIfMatch('*')).toEqual({ any: true })
    expect(parseIfMatch(' "abc" ')).toEqual({ tags: ['"abc"'] })
    expect(parseIfMatch('"a", W/"b",,"c,d"')).toEqual({ tags: ['"a"', 'W/"b"', '"c,d"'] })
  })

  it.each([
    ['an unquoted tag, the commonest slip', 'abc'],
    ['an empty value (a script whose variable came out empty)', ''],
    ['* in a list', '*, "a"'],
    ['two tags without a comma', '"a" "b"'],
    ['a tag holding a quote', '"a"b"'],
  ])('refuses %s with a 400 naming the header', (_case, value) => {
    // Act
    const said = refusal(() => parseIfMatch(value))

    // Assess
    expect(said).toEqual([{ field: 'If-Match', message: expect.stringMatching(/quoted/) }])
  })

  it('reads every line of a repeated header as one list, and none when there is none', () => {
    // Assess: API Gateway's `headers` keeps only the last line
    expect(
      ifMatchOf({
        headers: { 'if-match': '"b"' },
        multiValueHeaders: { 'if-match': ['"a"', '"b"'] },
      }),
    ).toEqual({ tags: ['"a"', '"b"'] })
    expect(ifMatchOf({ headers: { 'if-match': '"b"' } })).toEqual({ tags: ['"b"'] })
    expect(ifMatchOf({ headers: {}, multiValueHeaders: {} })).toBeUndefined()
  })

  it('compares strongly: a weak tag never matches, * matches what exists, no header passes', () => {
    // Assess
    expect(ifMatchPasses({ tags: ['"x"', '"a"'] }, '"a"')).toBe(true)
    expect(ifMatchPasses({ tags: ['W/"a"'] }, '"a"')).toBe(false)
    expect(ifMatchPasses({ tags: ['"b"'] }, '"a"')).toBe(false)
    expect(ifMatchPasses({ any: true }, '"a"')).toBe(true)
    expect(ifMatchPasses({ any: true }, undefined)).toBe(false)
    expect(ifMatchPasses(undefined, '"a"')).toBe(true)
  })
})

describe('conditional headers a route does not evaluate', () => {
  const event = (httpMethod: string, headers: Record<string, string>) => ({ httpMethod, headers })
  const none = { ifMatch: false, createOnly: false }
  const etag = { ifMatch: true, createOnly: false }
  const creates = { ifMatch: true, createOnly: true }

  it('refuses If-Match where what the route changes has no ETag, rather than change it unconditionally', () => {
    // Act
    const said = refusal(() =>
      assertConditionsTaken(event('PUT', { 'if-match': '"a"' }), none, 'PUT /admin/scopes/{scope}'),
    )

    // Assess
    expect(said).toEqual([
      {
        field: 'If-Match',
        message: expect.stringContaining('is not taken by PUT /admin/scopes/{scope}'),
      },
    ])
  })

  it('refuses If-None-Match on a change, and lets a read ignore it', () => {
    // Assess
    expect(
      refusal(() =>
        assertConditionsTaken(
          event('PUT', { 'if-none-match': '*' }),
          etag,
          'PUT /admin/agents/{agentId}',
        ),
      ),
    ).toEqual([{ field: 'If-None-Match', message: expect.stringContaining('is not taken') }])
    expect(
      refusal(() =>
        assertConditionsTaken(
          event('GET', { 'if-none-match': '"a"' }),
          etag,
          'GET /admin/agents/{agentId}',
        ),
      ),
    ).toBeUndefined()
  })

  it('lets If-Match through where the route takes it, and a request without either', () => {
    // Assess
    expect(
      refusal(() =>
        assertConditionsTaken(
          event('PATCH', { 'if-match': '"a"' }),
          etag,
          'PATCH /admin/agents/{agentId}',
        ),
      ),
    ).toBeUndefined()
    expect(
      refusal(() => assertConditionsTaken(event('PUT', {}), none, 'PUT /admin/scopes/{scope}')),
    ).toBeUndefined()
  })

  it('takes If-None-Match: * where the route creates, and refuses any other value there or one with If-Match', () => {
    // Prepare
    const put = (headers: Record<string, string>) =>
      refusal(() =>
        assertConditionsTaken(event('PUT', headers), creates, 'PUT /admin/permissions/{scope}'),
      )

    // Assess
    expect(put({ 'if-none-match': ' * ' })).toBeUndefined()
    expect(put({ 'if-none-match': '"a"' })).toEqual([
      { field: 'If-None-Match', message: expect.stringContaining('must be *') },
    ])
    expect(put({ 'if-none-match': '*', 'if-match': '"a"' })).toEqual([
      { field: 'If-None-Match', message: expect.stringContaining('cannot come with If-Match') },
    ])
    expect(createOnlyOf({ headers: { 'if-none-match': '*' } })).toBe(true)
    expect(createOnlyOf({ headers: {} })).toBe(false)
  })
})
