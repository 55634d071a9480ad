import { describe, expect, it } from 'vitest'
import { carriesData, endsA2AStream, isEventStreamType, wholeEvents } from '../../../lib/a2a/sse.ts'

describe('wholeEvents', () => {
  it('ends lines at CRLF, LF or CR, in any mix, and events at a blank line', () => {
    // Prepare
    const text = 'data: a\r\n\r\ndata: b\n\r\ndata: c\r\rdata: d\r\n\ndata: e\n\n'

    // Act
    const events = wholeEvents(text)

    // Assess
    expect(events.map(({ data }) => data)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('reads fields as the SSE spec does: one space dropped, a bare `data` line, the last `event`', () => {
    // Prepare
    const text = [
      'event: first',
      'event: second',
      'data:  two spaces',
      'data',
      'data:none',
      '',
      '',
    ].join('\n')

    // Act
    const events = wholeEvents(text)

    // Assess
    expect(events).toEqual([{ event: 'second', data: ' two spaces\n\nnone' }])
  })

  it('drops comments, other fields and a blank line with no data before it', () => {
    // Prepare
    const text =
      ': keep-alive\n\nid: 7\nretry: 10\n\ndatum: x\ndata-x: y\n\nevent: lone\n\ndata: kept\n\n'

    // Act
    const events = wholeEvents(text)

    // Assess: the `event` with no data is dropped with its name.
    expect(events).toEqual([{ data: 'kept' }])
  })
})

describe('isEventStreamType', () => {
  it.each([
    ['text/event-stream', true],
    ['Text/Event-Stream', true],
    ['text/event-stream; charset=utf-8', true],
    [' TEXT/EVENT-STREAM ;charset=utf-8', true],
    ['text/event-streamx', true],
    ['text/event-stream,x', true],
    ['application/json', false],
    [undefined, false],
  ])('reads %s as an event stream: %s', (contentType, expected) => {
    // Assess
    expect(isEventStreamType(contentType)).toBe(expected)
  })
})

describe('endsA2AStream', () => {
  it.each([
    ['HTTP+JSON', { event: 'error', data: '{"error":{"code":502}}' }, true],
    ['HTTP+JSON', { data: '{"task":{"id":"t"},"error":"a field of a result"}' }, false],
    ['HTTP+JSON', { data: '{"jsonrpc":"2.0","error":{"code":1}}' }, false],
    ['JSONRPC', { data: '{"jsonrpc":"2.0","id":1,"error":{"code":-32006,"message":"x"}}' }, true],
    [
      'JSONRPC',
      { data: '{"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","error":"no"}}}' },
      false,
    ],
    ['JSONRPC', { data: '{"error":"not an envelope","jsonrpc":"named too"}' }, false],
    ['JSONRPC', { data: 'not json, "error"' }, false],
  ] as const)('says whether, over %s, %j ends the stream', (binding, event, ends) => {
    // Assess
    expect(endsA2AStream(binding)(event)).toBe(ends)
  })
})

describe('carriesData', () => {
  const encoded = (text: string) => new TextEncoder().encode(text)

  it.each([
    ['an event', 'data: {}\n\n'],
    ['an event without a space', 'data:{}\n\n'],
    ['an empty data line', 'data\n\n'],
    ['an event behind a comment', ': ping\n\ndata: 1\n\n'],
    ['an event named, its id first, lines ended by CRLF', 'id: 1\r\nevent: x\r\ndata: 1\r\n\r\n'],
  ])('finds %s', (_what, text) => {
    expect(carriesData(encoded(text))).toBe(true)
  })

  it.each([
    ['a comment', ': ping\n\n'],
    ['a comment naming data', ':data: 1\n\n'],
    ['a blank line', '\n'],
    ['an id and a retry', 'id: 1\nretry: 10\n\n'],
    ['a field whose name only starts with data', 'database: 1\n\n'],
    ['nothing', ''],
  ])('finds no event in %s', (_what, text) => {
    expect(carriesData(encoded(text))).toBe(false)
  })
})
