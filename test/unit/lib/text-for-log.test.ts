import { describe, expect, it } from 'vitest'
import { textForLog } from '../../../lib/text-for-log.ts'

describe('textForLog', () => {
  it.each([
    ['ASCII', 'x'],
    ['characters of two code units each (an emoji)', '😀'],
  ])('cuts a long text of %s to its first 128 characters', (_what, character) => {
    // Prepare: a task id an agent chose, a megabyte long
    const text = character.repeat(500_000)

    // Act
    const quoted = textForLog(text)

    // Assess
    expect(quoted).toBe(`${character.repeat(128)}…`)
  })

  it('keeps a text of 128 characters whole, however many code units they take', () => {
    // Prepare
    const text = '😀'.repeat(128)

    // Act, Assess
    expect(textForLog(text)).toBe(text)
  })
})
