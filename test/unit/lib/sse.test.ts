import { describe, expect, it } from 'vitest'
import {
  carriesData,
  firstEventWhere,
  isEventStreamType,
  SdkEventType,
  wholeEvents,
} from '../../../lib/a2a/sse.ts'

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

  it.each([
    ['a blank line that dispatched nothing', 'event: error\n\ndata: x\n\n'],
    ['a `data` line with no value', 'event: error\ndata\n\ndata: x\n\n'],
    ['an `event` line with no colon', 'event: error\nevent\ndata: x\n\n'],
  ])('names an event `error` as @a2a-js/sdk reads it, its name kept past %s', (_, text) => {
    // Act
    const events = wholeEvents(text)

    // Assess
    expect(events.at(-1)).toEqual({ event: 'error', data: 'x' })
  })

  it('carries the SDK’s type from one read of a stream’s events to the next, and puts it back after an event', () => {
    // Prepare
    const sdkType = new SdkEventType()

    // Act
    const first = wholeEvents(': ping\n\nevent: error\n\n', sdkType)
    const second = wholeEvents('data: x\n\ndata: y\n\n', sdkType)

    // Assess
    expect(first).toEqual([])
    expect(second).toEqual([{ event: 'error', data: 'x' }, { data: 'y' }])
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

describe('firstEventWhere', () => {
  const encoded = (text: string) => new TextEncoder().encode(text)
  const isLast = ({ data }: { data: string }) => data === 'last'

  it.each([
    ['the first of three events', 'data: last\n\ndata: 2\n\ndata: 3\n\n', 12],
    [
      'an event behind a comment and an event',
      ': ping\n\ndata: 1\n\ndata: last\n\ndata: 3\n\n',
      29,
    ],
    [
      'an event of two lines, CRLF',
      'data: 1\r\n\r\nevent: x\r\ndata: la\r\ndata: st\r\n\r\n: after\r\n\r\n',
      -1,
    ],
    ['an event whose blank line has its CR only so far', 'data: last\r\n\r', 13],
  ])('finds where %s ends', (_what, text, end) => {
    // Assess: -1 stands for "none" (the two data lines are `la` and `st`, not `last`)
    expect(firstEventWhere(encoded(text), isLast)?.end ?? -1).toBe(end)
  })

  it('tells the event it found and where its block starts, past the comments before it', () => {
    // Act
    const found = firstEventWhere(encoded('data: 1\n\n: c\n\nevent: x\ndata: last\n\n'), isLast)

    // Assess
    expect(found).toEqual({ event: { event: 'x', data: 'last' }, start: 14, end: 35 })
  })

  it('reads no block its bytes rule out', () => {
    // Prepare
    const read: string[] = []
    const picking = (event: { data: string }) => {
      read.push(event.data)
      return false
    }

    // Act
    firstEventWhere(encoded('data: a\n\ndata: b\n\n'), picking, (block) => block.includes(0x62))

    // Assess
    expect(read).toEqual(['b'])
  })

  it('reads a block its bytes rule out while @a2a-js/sdk holds a type an earlier block set', () => {
    // Prepare
    const sdkType = new SdkEventType()
    const isError = ({ event }: { event?: string }) => event === 'error'

    // Act: the name comes in one chunk, the data in the next, which the bytes rule out.
    const none = firstEventWhere(encoded('event: error\n\n'), isError, () => false, sdkType)
    const found = firstEventWhere(encoded('data: {}\n\n'), isError, () => false, sdkType)

    // Assess
    expect(none).toBeUndefined()
    expect(found).toEqual({ event: { event: 'error', data: '{}' }, start: 0, end: 10 })
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
