import { describe, expect, it } from 'vitest'
import {
  operationForMethod,
  operationForRestPath,
  operationNames,
  operations,
  restPathParams,
} from '../../../lib/a2a/operations.ts'

describe('A2A operation table', () => {
  it('names the same operation for a JSON-RPC method in 1.0 and 0.3 spelling', () => {
    // Assess
    expect(operationForMethod('SendStreamingMessage')).toEqual({
      operation: 'SendStreamingMessage',
      version: '1.0',
    })
    expect(operationForMethod('message/stream')).toEqual({
      operation: 'SendStreamingMessage',
      version: '0.3',
    })
    expect(operationForMethod('get_weather')).toBeUndefined()
  })

  it('maps every HTTP+JSON path of 1.0 and its /v1 form onto the operation', () => {
    // Assess
    expect(operationForRestPath('POST', '/message:send')?.operation).toBe('SendMessage')
    expect(operationForRestPath('GET', '/tasks/t-1')?.operation).toBe('GetTask')
    expect(operationForRestPath('GET', '/tasks')?.operation).toBe('ListTasks')
    expect(operationForRestPath('POST', '/tasks/t-1:cancel')?.operation).toBe('CancelTask')
    expect(operationForRestPath('GET', '/tasks/t-1:subscribe')?.operation).toBe('SubscribeToTask')
    expect(
      operationForRestPath('DELETE', '/tasks/t-1/pushNotificationConfigs/c-1')?.operation,
    ).toBe('DeleteTaskPushNotificationConfig')
    expect(operationForRestPath('POST', '/v1/message:stream')).toEqual({
      operation: 'SendStreamingMessage',
      version: '0.3',
    })
  })

  it('maps the 0.3 extended card path, /v1/card, onto GetExtendedAgentCard', () => {
    // Assess
    expect(operationForRestPath('GET', '/v1/card')).toEqual({
      operation: 'GetExtendedAgentCard',
      version: '0.3',
    })
    expect(operationForRestPath('GET', '/card')).toBeUndefined()
  })

  it('reads a tenant before a 1.0 HTTP+JSON path', () => {
    // Assess
    expect(operationForRestPath('POST', '/acme/message:send')).toEqual({
      operation: 'SendMessage',
      version: '1.0',
      tenant: 'acme',
    })
    expect(operationForRestPath('GET', '/acme/tasks/t-1')?.operation).toBe('GetTask')
    expect(operationForRestPath('POST', '/acme/message:shout')).toBeUndefined()
  })

  it('refuses a path with the wrong method', () => {
    // Assess
    expect(operationForRestPath('GET', '/message:send')).toBeUndefined()
  })

  it('marks exactly the streaming operations as streaming', () => {
    // Assess
    const streaming = operationNames.filter((name) => operations[name].streaming)
    expect(streaming).toEqual(['SendStreamingMessage', 'SubscribeToTask'])
  })

  it.each([
    ['GetTask', '/tasks/t-1', { id: 't-1' }],
    ['CancelTask', '/tasks/t-1:cancel', { id: 't-1' }],
    ['ListTaskPushNotificationConfigs', '/tasks/t-1/pushNotificationConfigs', { taskId: 't-1' }],
    [
      'DeleteTaskPushNotificationConfig',
      '/tasks/t-1/pushNotificationConfigs/c-1',
      { taskId: 't-1', id: 'c-1' },
    ],
    ['ListTasks', '/tasks', {}],
  ] as const)('reads the request fields the %s path %s fills', (operation, path, fields) => {
    // Act
    const params = restPathParams(operation, path)

    // Assess
    expect(params).toEqual(fields)
  })
})
