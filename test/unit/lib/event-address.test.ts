import { describe, expect, it } from 'vitest'
import { a2aAddressOf } from '../../../lib/a2a/event-address.ts'

describe('where a request is addressed', () => {
  it('keeps an agent id whose escapes do not decode as sent, rather than throwing', () => {
    // Act
    const address = () => a2aAddressOf({ rawPath: '/agents/%E0/message:send' })

    // Assess
    expect(address).not.toThrow()
    expect(address()).toEqual({ agentId: '%E0', subPath: '/message:send' })
  })

  it('serves a Lambda of one agent a task whose id is "agents" as its own, not another agent', () => {
    // Act
    const address = a2aAddressOf({ rawPath: '/tasks/agents/pushNotificationConfigs/c1' }, 'team')

    // Assess
    expect(address).toEqual({
      agentId: 'team',
      subPath: '/tasks/agents/pushNotificationConfigs/c1',
    })
  })

  it('tells a Lambda of one agent a path naming another agent', () => {
    // Act
    const address = a2aAddressOf({ rawPath: '/agents/other/tasks/t1' }, 'team')

    // Assess
    expect(address).toEqual({ agentId: 'team', subPath: '/tasks/t1', otherAgentId: 'other' })
  })

  it('serves a Lambda of one agent its own id below a stage or base path', () => {
    // Act
    const address = a2aAddressOf({ rawPath: '/prod/agents/team/message:send' }, 'team')

    // Assess
    expect(address).toEqual({ agentId: 'team', subPath: '/message:send' })
  })

  it.each([
    [
      'a REST event, its parameters still encoded',
      {
        resource: '/agents/{agentId}/{proxy+}',
        pathParameters: { agentId: '%77eather', proxy: 'tasks/t%2D1' },
      },
    ],
    ['a function URL event, its path still encoded', { rawPath: '/agents/%77eather/tasks/t%2D1' }],
  ])('reads the agent and the path below it decoded once from %s', (_shape, event) => {
    // Act
    const address = a2aAddressOf(event)

    // Assess
    expect(address).toEqual({ agentId: 'weather', subPath: '/tasks/t-1' })
  })
})
