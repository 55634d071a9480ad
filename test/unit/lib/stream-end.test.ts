import { describe, expect, it } from 'vitest'
import {
  a2aStreamEnd,
  isA2AError,
  isA2ATask,
  mayEndA2AStream,
} from '../../../lib/a2a/stream-end.ts'

const statusUpdate = (state: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ statusUpdate: { taskId: 't', contextId: 'c', status: { state }, ...extra } })
const task = (state: string) =>
  JSON.stringify({ task: { id: 't', contextId: 'c', status: { state } } })
const legacy = (result: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, result })
const legacyStatus = (state: string, final: boolean) =>
  legacy({ kind: 'status-update', taskId: 't', contextId: 'c', status: { state }, final })
const message = { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text: 'hi' }] }

describe('a2aStreamEnd: whether an event ends the stream', () => {
  it.each([
    // 1.0 over HTTP+JSON: StreamResponse as it is
    ['HTTP+JSON', '1.0', { event: 'error', data: '{"error":{"code":502}}' }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_COMPLETED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_FAILED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_CANCELED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_REJECTED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_INPUT_REQUIRED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate(3) }, true],
    [
      'HTTP+JSON',
      '1.0',
      { data: '{"status_update":{"status":{"state":"TASK_STATE_COMPLETED"}}}' },
      true,
    ],
    [
      'HTTP+JSON',
      '1.0',
      { data: '{"statusUpdate":{"status":{"st\\u0061te":"TASK_STATE_COMPLETED"}}}' },
      true,
    ],
    ['HTTP+JSON', '1.0', { data: JSON.stringify({ message }) }, true],
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_COMPLETED') }, true],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_WORKING') }, false],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_AUTH_REQUIRED') }, false],
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_WORKING', { final: true }) }, false],
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_INPUT_REQUIRED') }, false],
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_SUBMITTED') }, false],
    [
      'HTTP+JSON',
      '1.0',
      {
        data: JSON.stringify({
          artifactUpdate: {
            taskId: 't',
            artifact: { parts: [{ text: '{"state":"TASK_STATE_COMPLETED","message":{}}' }] },
          },
        }),
      },
      false,
    ],
    ['HTTP+JSON', '1.0', { data: '{"task":{"id":"t"},"error":"a field of a result"}' }, false],
    ['HTTP+JSON', '1.0', { data: '{"jsonrpc":"2.0","error":{"code":1}}' }, false],
    // 0.3 over HTTP+JSON: its proto's StreamResponse, `final` on the status update
    ['HTTP+JSON', '0.3', { data: statusUpdate('TASK_STATE_WORKING', { final: true }) }, true],
    ['HTTP+JSON', '0.3', { data: statusUpdate('TASK_STATE_CANCELLED') }, true],
    ['HTTP+JSON', '0.3', { data: JSON.stringify({ msg: message }) }, true],
    ['HTTP+JSON', '0.3', { data: statusUpdate('TASK_STATE_WORKING', { final: false }) }, false],
    // 1.0 over JSON-RPC: StreamResponse as the result
    ['JSONRPC', '1.0', { data: legacy(JSON.parse(statusUpdate('TASK_STATE_COMPLETED'))) }, true],
    ['JSONRPC', '1.0', { data: legacy({ message }) }, true],
    ['JSONRPC', '1.0', { data: legacy(JSON.parse(statusUpdate('TASK_STATE_WORKING'))) }, false],
    ['JSONRPC', '1.0', { data: legacy({ kind: 'message', ...message }) }, false],
    ['JSONRPC', '1.0', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32006}}' }, true],
    [
      'JSONRPC',
      '1.0',
      { data: '{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","error":"no"}}}' },
      false,
    ],
    // An error beside a result: @a2a-js/sdk's client throws on any `error` key of a 2.0 answer
    [
      'JSONRPC',
      '1.0',
      {
        data: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          result: JSON.parse(statusUpdate('TASK_STATE_WORKING')),
          error: { code: -32603, message: 'broke' },
        }),
      },
      true,
    ],
    // Whatever its `jsonrpc` says: the SDK's 1.0 client throws on that, its 0.3 one on the `error`
    ['JSONRPC', '1.0', { data: '{"error":"not an envelope","jsonrpc":"named too"}' }, true],
    ['JSONRPC', '0.3', { data: '{"id":1,"error":{"code":-32603}}' }, true],
    ['JSONRPC', '1.0', { data: 'not json, "error"' }, false],
    // 0.3 over JSON-RPC: the result tagged with its kind
    ['JSONRPC', '0.3', { data: legacyStatus('completed', true) }, true],
    ['JSONRPC', '0.3', { data: legacyStatus('completed', false) }, true],
    ['JSONRPC', '0.3', { data: legacyStatus('input-required', false) }, true],
    ['JSONRPC', '0.3', { data: legacyStatus('auth-required', true) }, true],
    ['JSONRPC', '0.3', { data: legacy({ kind: 'message', ...message, role: 'agent' }) }, true],
    [
      'JSONRPC',
      '0.3',
      { data: legacy({ kind: 'task', id: 't', status: { state: 'rejected' } }) },
      true,
    ],
    ['JSONRPC', '0.3', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32603}}' }, true],
    ['JSONRPC', '0.3', { data: legacyStatus('working', false) }, false],
    ['JSONRPC', '0.3', { data: legacyStatus('auth-required', false) }, false],
    [
      'JSONRPC',
      '0.3',
      { data: legacy({ kind: 'task', id: 't', status: { state: 'input-required' } }) },
      false,
    ],
    [
      'JSONRPC',
      '0.3',
      { data: legacy({ kind: 'artifact-update', taskId: 't', artifact: { parts: [] } }) },
      false,
    ],
  ] as const)(
    'says whether, over %s in %s, %j ends the stream',
    (binding, version, event, ends) => {
      // Assess
      expect(a2aStreamEnd(binding, version)(event) !== 'on').toBe(ends)
    },
  )
})

describe('a2aStreamEnd: what may follow an event', () => {
  it.each([
    // A status update that ends the stream: one Task snapshot may follow it (A2A 1.0 §11.7)
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_COMPLETED') }, 'snapshot-may-follow'],
    [
      'HTTP+JSON',
      '1.0',
      { data: statusUpdate('TASK_STATE_INPUT_REQUIRED') },
      'snapshot-may-follow',
    ],
    [
      'HTTP+JSON',
      '0.3',
      { data: statusUpdate('TASK_STATE_WORKING', { final: true }) },
      'snapshot-may-follow',
    ],
    [
      'JSONRPC',
      '1.0',
      { data: legacy(JSON.parse(statusUpdate('TASK_STATE_FAILED'))) },
      'snapshot-may-follow',
    ],
    ['JSONRPC', '0.3', { data: legacyStatus('completed', true) }, 'snapshot-may-follow'],
    // Nothing may follow an error, a Message or a terminal Task (a snapshot itself)
    ['HTTP+JSON', '1.0', { event: 'error', data: '{"error":{"code":502}}' }, 'ended'],
    ['HTTP+JSON', '1.0', { data: JSON.stringify({ message }) }, 'ended'],
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_COMPLETED') }, 'ended'],
    ['JSONRPC', '1.0', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32006}}' }, 'ended'],
    [
      'JSONRPC',
      '0.3',
      { data: legacy({ kind: 'task', id: 't', status: { state: 'canceled' } }) },
      'ended',
    ],
    ['JSONRPC', '0.3', { data: legacy({ kind: 'message', ...message, role: 'agent' }) }, 'ended'],
    // What ends nothing
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_WORKING') }, 'on'],
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_INPUT_REQUIRED') }, 'on'],
    ['JSONRPC', '0.3', { data: legacyStatus('working', false) }, 'on'],
  ] as const)(
    'says how, over %s in %s, %j leaves the stream: %s',
    (binding, version, event, end) => {
      // Assess
      expect(a2aStreamEnd(binding, version)(event)).toBe(end)
    },
  )
})

describe('isA2ATask', () => {
  it.each([
    // The Task in each spelling the rule reads
    ['HTTP+JSON', '1.0', { data: task('TASK_STATE_COMPLETED') }, true],
    ['HTTP+JSON', '0.3', { data: task('TASK_STATE_COMPLETED') }, true],
    ['JSONRPC', '1.0', { data: legacy(JSON.parse(task('TASK_STATE_COMPLETED'))) }, true],
    [
      'JSONRPC',
      '0.3',
      { data: legacy({ kind: 'task', id: 't', status: { state: 'completed' } }) },
      true,
    ],
    [
      'HTTP+JSON',
      '1.0',
      { data: '{"t\u0061sk":{"id":"t","status":{"state":"TASK_STATE_COMPLETED"}}}' },
      true,
    ],
    // Any other event, or a Task in another binding's or version's spelling
    ['HTTP+JSON', '1.0', { data: statusUpdate('TASK_STATE_COMPLETED') }, false],
    ['HTTP+JSON', '1.0', { data: JSON.stringify({ message }) }, false],
    ['HTTP+JSON', '1.0', { event: 'error', data: task('TASK_STATE_COMPLETED') }, false],
    ['HTTP+JSON', '1.0', { data: legacy(JSON.parse(task('TASK_STATE_COMPLETED'))) }, false],
    ['HTTP+JSON', '1.0', { data: '{"task":null}' }, false],
    ['HTTP+JSON', '1.0', { data: '{"task":' }, false],
    [
      'JSONRPC',
      '1.0',
      { data: legacy({ kind: 'task', id: 't', status: { state: 'completed' } }) },
      false,
    ],
    ['JSONRPC', '0.3', { data: legacy(JSON.parse(task('TASK_STATE_COMPLETED'))) }, false],
    ['JSONRPC', '0.3', { data: legacyStatus('completed', true) }, false],
    ['JSONRPC', '0.3', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32603}}' }, false],
  ] as const)('says whether, over %s in %s, %j is a Task', (binding, version, event, isTask) => {
    // Assess
    expect(isA2ATask(binding, version)(event)).toBe(isTask)
  })
})

describe('isA2AError', () => {
  it.each([
    ['HTTP+JSON', { event: 'error', data: '{"error":{"code":502}}' }, true],
    ['HTTP+JSON', { data: '{"task":{"id":"t"},"error":"a field of a result"}' }, false],
    ['HTTP+JSON', { data: '{"jsonrpc":"2.0","error":{"code":1}}' }, false],
    ['HTTP+JSON', { data: statusUpdate('TASK_STATE_FAILED') }, false],
    ['JSONRPC', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32006,"message":"x"}}' }, true],
    [
      'JSONRPC',
      { data: '{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","error":"no"}}}' },
      false,
    ],
    ['JSONRPC', { data: '{"error":"not an envelope","jsonrpc":"named too"}' }, true],
    ['JSONRPC', { data: '{"id":1,"error":{"code":-32603}}' }, true],
    ['JSONRPC', { data: 'not json, "error"' }, false],
    ['JSONRPC', { data: legacyStatus('completed', true) }, false],
  ] as const)('says whether, over %s, %j is an error', (binding, event, error) => {
    // Assess
    expect(isA2AError(binding)(event)).toBe(error)
  })
})

describe('mayEndA2AStream', () => {
  const encoded = (text: string) => new TextEncoder().encode(text)

  it('rules out an artifact chunk, whatever its text says, without reading it', () => {
    // Prepare
    const chunk = JSON.stringify({
      artifactUpdate: { taskId: 't', artifact: { parts: [{ text: '"state": "completed"' }] } },
    })

    // Assess
    expect(mayEndA2AStream(encoded(`data: ${chunk}\n\n`))).toBe(false)
  })

  it.each([
    ['Go’s escapes of <, > and &', '\\u003cb\\u003e \\u0026'],
    ['a non-ASCII letter escaped', 'caf\\u00e9 \\u4e2d\\u6587'],
  ])(
    'rules out an artifact chunk whose text holds %s, escapes that spell no letter of a key the rule reads, without reading it',
    (_what, text) => {
      // Prepare: the text as a JSON encoder that escapes it writes it
      const chunk = `{"artifactUpdate":{"taskId":"t","artifact":{"parts":[{"text":"${text}"}]}}}`

      // Assess
      expect(mayEndA2AStream(encoded(`data: ${chunk}\n\n`))).toBe(false)
    },
  )

  it.each([
    ['a status update', `data: ${statusUpdate('TASK_STATE_WORKING')}\n\n`],
    ['an error event', 'event: error\ndata: {}\n\n'],
    ['a key spelled with escapes', 'data: {"m\\u0073g":1}\n\n'],
    ['a key spelled with upper-case hex digits', 'data: {"fi\\u006Eal":true}\n\n'],
    ['0.3’s kind spelled with escapes', 'data: {"kind":"\\u006Dessage"}\n\n'],
  ])('keeps %s to be read', (_what, text) => {
    // Assess
    expect(mayEndA2AStream(encoded(text))).toBe(true)
  })
})
