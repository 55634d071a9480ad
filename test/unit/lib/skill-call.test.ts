import { describe, expect, it } from 'vitest'
import { skillCallMessage, skillCallOutcome } from '../../../lib/a2a/skill-call.ts'
import { parseKeepingInexactNumbers } from '../../../lib/json-kept-numbers.ts'

describe('skill calls', () => {
  it('carries the params as a data part tagged with the skill id', () => {
    // Act
    const { message } = skillCallMessage('get_weather', { location: 'Seoul' })

    // Assess
    expect(message.role).toBe('ROLE_USER')
    expect(message.parts).toEqual([
      {
        data: { location: 'Seoul' },
        mediaType: 'application/json',
        metadata: { skillId: 'get_weather' },
      },
    ])
  })

  it("answers with the agent's data when it returned data, else with its text", () => {
    // Prepare
    const task = (parts: object[]) => ({
      task: { status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts }] },
    })

    // Assess
    expect(
      skillCallOutcome(task([{ text: '2^10 = ' }, { text: '1024' }, { data: { result: 1024 } }])),
    ).toEqual({
      result: { result: 1024 },
    })
    expect(skillCallOutcome(task([{ text: '2^10 = ' }, { text: '1024' }]))).toEqual({
      result: '2^10 = 1024',
    })
    expect(skillCallOutcome({ message: { parts: [{ text: 'hello' }] } })).toEqual({
      result: 'hello',
    })
  })

  it("turns a failed task into a failure carrying the agent's explanation", () => {
    // Act
    const outcome = skillCallOutcome({
      task: {
        status: {
          state: 'TASK_STATE_FAILED',
          message: { parts: [{ text: 'Cannot read "2+*".' }] },
        },
      },
    })

    // Assess
    expect(outcome).toEqual({ failure: 'Cannot read "2+*".' })
  })
  it.each([
    ['4', 4],
    ['4.0, kept as written', parseKeepingInexactNumbers('4.0')],
  ])('turns a task failed by number (%s), as ProtoJSON allows, into a failure', (_, state) => {
    // Act
    const outcome = skillCallOutcome({
      task: {
        status: { state, message: { parts: [{ text: 'Cannot read "2+*".' }] } },
        artifacts: [{ parts: [{ text: 'half an answer' }] }],
      },
    })

    // Assess: until 7 December 2026 its state went unread and its artifact was the skill's result
    expect(outcome).toEqual({ failure: 'Cannot read "2+*".' })
  })
})
