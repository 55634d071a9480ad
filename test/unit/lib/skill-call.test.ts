import { describe, expect, it } from 'vitest'
import { skillCallMessage, skillCallOutcome } from '../../../lib/a2a/skill-call.ts'

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
})
