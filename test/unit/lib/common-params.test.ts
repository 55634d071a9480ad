import { describe, expect, it } from 'vitest'
import { paramsViolations } from '../../../lib/a2a/params.ts'

/**
 * Common params (SendMessage's message of text parts; GetTask, CancelTask and SubscribeToTask) are
 * recognized without the schema; these pin that the shortcut passes what the schema passes and
 * leaves every near miss to the schema, which names it as before.
 */

const message = { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }

describe('SendMessage params in the common shape', () => {
  it.each([
    ['a text message', { message }],
    [
      'every optional field of the common shape, set',
      {
        tenant: 'acme',
        metadata: { trace: 'x' },
        message: {
          ...message,
          role: 'ROLE_AGENT',
          contextId: 'c-1',
          taskId: 't-1',
          metadata: {},
          extensions: ['https://example.com/ext'],
          referenceTaskIds: ['t-0'],
          parts: [
            { text: 'a', mediaType: 'text/plain', filename: 'a.txt', metadata: { n: 1 } },
            { text: '' },
          ],
        },
      },
    ],
    [
      'every optional field null',
      {
        tenant: null,
        metadata: null,
        message: {
          ...message,
          contextId: null,
          taskId: null,
          metadata: null,
          extensions: null,
          referenceTaskIds: null,
          parts: [{ text: 'a', mediaType: null, filename: null, metadata: null }],
        },
      },
    ],
    ['a role by its number', { message: { ...message, role: 2 } }],
  ])('passes %s', (_, params) => {
    // Act
    const violations = paramsViolations('SendMessage', params)

    // Assess
    expect(violations).toEqual([])
  })

  it.each([
    [
      'an empty messageId',
      { message: { messageId: '', role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
      'message.messageId',
      'must be a non-empty string, got ""',
    ],
    [
      'a messageId that is a number',
      { message: { messageId: 7, role: 'ROLE_USER', parts: [{ text: 'hi' }] } },
      'message.messageId',
      'must be a non-empty string, got 7',
    ],
    [
      'no role',
      { message: { messageId: 'm-1', parts: [{ text: 'hi' }] } },
      'message.role',
      'is required',
    ],
    [
      'a null role',
      { message: { messageId: 'm-1', role: null, parts: [{ text: 'hi' }] } },
      'message.role',
      'is required',
    ],
    [
      'the unspecified role',
      { message: { messageId: 'm-1', role: 'ROLE_UNSPECIFIED', parts: [{ text: 'hi' }] } },
      'message.role',
      'must be one of ROLE_USER, ROLE_AGENT, got "ROLE_UNSPECIFIED"',
    ],
    [
      'the unspecified role by number',
      { message: { messageId: 'm-1', role: 0, parts: [{ text: 'hi' }] } },
      'message.role',
      'must be one of ROLE_USER, ROLE_AGENT, got 0',
    ],
    [
      'a role in lower case',
      { message: { messageId: 'm-1', role: 'user', parts: [{ text: 'hi' }] } },
      'message.role',
      'must be one of ROLE_USER, ROLE_AGENT, got "user"',
    ],
    [
      'a text part whose text is a number',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 1 }] } },
      'message.parts[0].text',
      'must be a string, got 1',
    ],
    [
      'a text part whose text is null',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: null }] } },
      'message.parts[0]',
      'must carry exactly one of text, raw, url or data, got an object with text',
    ],
    [
      'a part with text and data',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'a', data: {} }] } },
      'message.parts[0]',
      'must carry exactly one of text, raw, url or data, got an object with text, data',
    ],
    [
      'an empty part',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{}] } },
      'message.parts[0]',
      'must carry exactly one of text, raw, url or data, got an empty object',
    ],
    [
      'a part that is a string',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: ['hi'] } },
      'message.parts[0]',
      'must be an object, got "hi"',
    ],
    [
      'a part whose metadata is an array',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'a', metadata: [] }] } },
      'message.parts[0].metadata',
      'must be an object, got an empty array',
    ],
    [
      'a part whose mediaType is a number',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'a', mediaType: 1 }] } },
      'message.parts[0].mediaType',
      'must be a string, got 1',
    ],
    [
      'a contextId that is a number',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }], contextId: 5 } },
      'message.contextId',
      'must be a string, got 5',
    ],
    [
      'a taskId that is an object',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }], taskId: {} } },
      'message.taskId',
      'must be a string, got an empty object',
    ],
    [
      'message metadata that is a string',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: 'x' } },
      'message.metadata',
      'must be an object, got "x"',
    ],
    [
      'extensions that are not strings',
      {
        message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }], extensions: [1] },
      },
      'message.extensions',
      'must be an array of strings, got an array',
    ],
    [
      'referenceTaskIds that are a string',
      {
        message: {
          messageId: 'm-1',
          role: 'ROLE_USER',
          parts: [{ text: 'hi' }],
          referenceTaskIds: 't-1',
        },
      },
      'message.referenceTaskIds',
      'must be an array of strings, got "t-1"',
    ],
    [
      'a message that is an array',
      { message: [{ messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }] },
      'message',
      'must be an object, got an array',
    ],
    ['a message that is null', { message: null }, 'message', 'must be an object, got null'],
    [
      'a tenant that is a number',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }, tenant: 5 },
      'tenant',
      'must be a string, got 5',
    ],
    [
      'params metadata that is an array',
      { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hi' }] }, metadata: [] },
      'metadata',
      'must be an object, got an empty array',
    ],
  ])('refuses %s, naming the field as the schema does', (_, params, field, description) => {
    // Act
    const violations = paramsViolations('SendStreamingMessage', params)

    // Assess
    expect(violations).toEqual([{ field, description }])
  })
})

describe('task params in the common shape', () => {
  it.each([
    ['GetTask', 'an id', { id: 't-1' }],
    [
      'GetTask',
      'a tenant, and a historyLength as text',
      { tenant: 'acme', id: 't-1', historyLength: '3' },
    ],
    [
      'GetTask',
      'a historyLength of 0, a null tenant',
      { id: 't-1', historyLength: 0, tenant: null },
    ],
    ['CancelTask', 'metadata', { id: 't-1', metadata: { why: 'done' } }],
    ['SubscribeToTask', 'an id', { id: 't-1' }],
  ])('passes %s with %s', (operation, _, params) => {
    // Act
    const violations = paramsViolations(operation as 'GetTask', params)

    // Assess
    expect(violations).toEqual([])
  })

  it.each([
    [
      'GetTask',
      'an empty id',
      { id: '' },
      [{ field: 'id', description: 'must be a non-empty string, got ""' }],
    ],
    [
      'GetTask',
      'an id that is a number',
      { id: 5 },
      [{ field: 'id', description: 'must be a non-empty string, got 5' }],
    ],
    ['GetTask', 'no id', { historyLength: 1 }, [{ field: 'id', description: 'is required' }]],
    ['GetTask', 'a null id', { id: null }, [{ field: 'id', description: 'is required' }]],
    [
      'GetTask',
      'a negative historyLength',
      { id: 't-1', historyLength: -1 },
      [{ field: 'historyLength', description: 'must be a non-negative integer, got -1' }],
    ],
    [
      'GetTask',
      'a fractional historyLength in text',
      { id: 't-1', historyLength: '2.5' },
      [{ field: 'historyLength', description: 'must be a non-negative integer, got "2.5"' }],
    ],
    [
      'GetTask',
      'a historyLength that is a word',
      { id: 't-1', historyLength: 'abc' },
      [{ field: 'historyLength', description: 'must be a non-negative integer, got "abc"' }],
    ],
    [
      'GetTask',
      'a historyLength that is a flag',
      { id: 't-1', historyLength: true },
      [{ field: 'historyLength', description: 'must be a non-negative integer, got true' }],
    ],
    [
      'GetTask',
      'a historyLength past int32',
      { id: 't-1', historyLength: 2147483648 },
      [{ field: 'historyLength', description: 'must be a non-negative integer, got 2147483648' }],
    ],
    [
      'GetTask',
      'a tenant that is a number',
      { id: 't-1', tenant: 5 },
      [{ field: 'tenant', description: 'must be a string, got 5' }],
    ],
    [
      'CancelTask',
      'metadata that is an array',
      { id: 't-1', metadata: [] },
      [{ field: 'metadata', description: 'must be an object, got an empty array' }],
    ],
    [
      'CancelTask',
      'metadata that is text',
      { id: 't-1', metadata: 'x' },
      [{ field: 'metadata', description: 'must be an object, got "x"' }],
    ],
    [
      'SubscribeToTask',
      'an empty id',
      { id: '' },
      [{ field: 'id', description: 'must be a non-empty string, got ""' }],
    ],
    [
      'SubscribeToTask',
      'params that are an array',
      [],
      [{ field: '', description: 'must be an object, got an empty array' }],
    ],
  ])(
    'refuses %s with %s, naming the field as the schema does',
    (operation, _, params, expected) => {
      // Act
      const violations = paramsViolations(operation as 'GetTask', params)

      // Assess
      expect(violations).toEqual(expected)
    },
  )
})
