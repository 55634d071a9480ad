import { describe, expect, it } from 'vitest'
import { dataPart, textPart } from '../../../agents/a2a/parts.ts'
import { resolveSkillInput } from '../../../agents/a2a/skill-input.ts'
import { calculateSkill } from '../../../agents/calculator/skill.ts'
import { createWeatherSkill } from '../../../agents/weather/skill.ts'
import { userMessage } from '../../integration/agents/support/messages.ts'

describe('resolveSkillInput', () => {
  it('reads a text message as a plain-text request', () => {
    // Prepare
    const message = userMessage([textPart('2+2'), textPart('*3')])

    // Act
    const resolved = resolveSkillInput(calculateSkill, message)

    // Assess
    expect(resolved).toMatchObject({
      ok: true,
      skill: calculateSkill,
      input: { expression: '2+2\n*3' },
      structured: false,
    })
  })

  it('reads a data part as a structured call, validated by the skill schema', () => {
    // Prepare
    const message = userMessage([textPart('ignored'), dataPart({ expression: ' 2+2 ' })])

    // Act
    const resolved = resolveSkillInput(calculateSkill, message)

    // Assess
    expect(resolved).toMatchObject({
      ok: true,
      skill: calculateSkill,
      input: { expression: '2+2' },
      structured: true,
    })
  })

  it('accepts a data part that names this skill', () => {
    // Prepare
    const part = dataPart({ location: 'Seoul', month: 'July' })
    part.metadata = { skillId: 'get_weather' }

    // Act
    const resolved = resolveSkillInput(createWeatherSkill(), userMessage([part]))

    // Assess
    expect(resolved).toMatchObject({ ok: true, input: { location: 'Seoul', month: 'July' } })
  })

  it('refuses a data part that names another skill, naming the known one', () => {
    // Prepare
    const part = dataPart({ expression: '2+2' })
    part.metadata = { skillId: 'get_weather' }

    // Act
    const resolved = resolveSkillInput(calculateSkill, userMessage([part]))

    // Assess
    expect(resolved.ok).toBe(false)
    if (resolved.ok) return
    expect(resolved.problem).toContain('"calculate"')
    expect(resolved.problem).toContain('"get_weather"')
  })

  it('refuses a weather call without a location and shows a call that works', () => {
    // Prepare
    const message = userMessage([dataPart({ month: 7 })])

    // Act
    const resolved = resolveSkillInput(createWeatherSkill(), message)

    // Assess
    expect(resolved.ok).toBe(false)
    if (resolved.ok) return
    expect(resolved.problem).toMatch(/location: location is required/)
    expect(resolved.problem).toContain('{"location":"Seoul","month":7}')
  })

  it.each([[13], ['Julember'], [2.5]])('refuses month %j', (month) => {
    // Prepare
    const message = userMessage([dataPart({ location: 'Berlin', month })])

    // Act
    const resolved = resolveSkillInput(createWeatherSkill(), message)

    // Assess
    expect(resolved).toMatchObject({ ok: false, problem: expect.stringContaining('month') })
  })
})
