import { describe, expect, it } from 'vitest'
import { minutesAndSeconds } from '../../../bench/figures.ts'

describe('a duration as the benchmarks print it', () => {
  it('rounds to the second before it splits into minutes', () => {
    expect(minutesAndSeconds(359.72)).toBe('6 min 00 s')
    expect(minutesAndSeconds(393.85)).toBe('6 min 34 s')
    expect(minutesAndSeconds(59.4)).toBe('0 min 59 s')
  })
})
