import { describe, expect, it } from 'vitest'
import { asUtf8ContentType } from '../../../lib/http/charset.ts'

describe('asUtf8ContentType', () => {
  it.each([
    ['application/json; charset=Shift_JIS', 'application/json; charset=utf-8'],
    ['text/event-stream;charset="big5"', 'text/event-stream;charset=utf-8'],
    ['application/json; CHARSET = ISO-8859-1', 'application/json; charset=utf-8'],
    [
      'application/json; charset=utf-8; charset=utf-7',
      'application/json; charset=utf-8; charset=utf-8',
    ],
  ])('names %s as UTF-8, as the gateway read it', (given, named) => {
    expect(asUtf8ContentType(given)).toBe(named)
  })

  it.each([
    ['application/json'],
    ['application/json; charset=UTF-8'],
    ['text/event-stream; charset="utf8"'],
  ])('leaves %s as it is', (given) => {
    expect(asUtf8ContentType(given)).toBe(given)
  })
})
