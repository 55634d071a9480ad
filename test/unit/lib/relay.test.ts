import { PassThrough, type Readable } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonRpcEventsErrorCode, restEventsErrorCode } from '../../../lib/a2a/agent-error-codes.ts'
import {
  EventBoundaries,
  StreamEventTooLargeError,
  StreamLoneCrError,
} from '../../../lib/a2a/sse.ts'
import { a2aStreamEnd, isA2ATask, mayEndA2AStream } from '../../../lib/a2a/stream-end.ts'
import {
  type CutOffReason,
  type RelayOutcome,
  relayToReadable,
  type StreamEndReason,
} from '../../../lib/backend/relay.ts'

const encoder = new TextEncoder()

/** A backend body that sends these chunks, then ends or (`open`) stays open. */
const bodyOf = (chunks: Uint8Array[], { open = false } = {}) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      if (!open) controller.close()
    },
  })

const relayed = (
  body: ReadableStream<Uint8Array> | Readable,
  maxEventBytes = 1024 * 1024,
  { keepAliveMs = 60_000, idleTimeoutMs = 60_000, endsAtTerminalEvent = false } = {},
) => {
  const backendRequest = new AbortController()
  const ends: RelayOutcome[] = []
  const cutOffs: CutOffReason[] = []
  const stream = relayToReadable(body, {
    backendRequest,
    onEnd: (outcome) => ends.push(outcome),
    events: {
      keepAliveMs,
      idleTimeoutMs,
      maxEventBytes,
      failureEvent: (reason: StreamEndReason) => `event: error\ndata: ${reason}\n\n`,
      ...(endsAtTerminalEvent
        ? {
            terminalEvent: {
              endOf: a2aStreamEnd('HTTP+JSON', '1.0'),
              isSnapshot: isA2ATask('HTTP+JSON', '1.0'),
              mayBeIn: mayEndA2AStream,
              onCutOff: (reason: CutOffReason) => cutOffs.push(reason),
            },
          }
        : {}),
    },
  })
  return { stream, backendRequest, ends, cutOffs }
}

const readAll = async (stream: Readable) => {
  const chunks: string[] = []
  for await (const chunk of stream) chunks.push(String(chunk))
  return chunks
}

describe('relayToReadable on an event stream', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('scans each byte of an unfinished event once, however many chunks it arrives in', async () => {
    // Prepare: one 800 KiB event in 200 chunks, its blank line in the last.
    const scan = vi.spyOn(EventBoundaries.prototype, 'scan')
    const chunks = Array.from({ length: 200 }, (_, i) =>
      encoder.encode(i === 0 ? `data: ${'x'.repeat(4090)}` : 'x'.repeat(4096)),
    )
    chunks.push(encoder.encode('\n\n'))
    const sent = chunks.reduce((total, chunk) => total + chunk.byteLength, 0)

    // Act
    const out = await readAll(relayed(bodyOf(chunks)).stream)

    // Assess: the work is the bytes sent, not their square; the event goes out whole, once.
    const scanned = scan.mock.calls.reduce((total, [chunk]) => total + chunk.byteLength, 0)
    expect(scanned).toBe(sent)
    expect(out).toHaveLength(1)
    expect(out[0]).toHaveLength(sent)
  })

  it('ends the stream with the error event and aborts the backend once an event passes the limit', async () => {
    // Prepare: a whole event, then one that never ends, on a backend that stays open.
    const chunks = [
      encoder.encode('data: first\n\n'),
      ...Array.from({ length: 10 }, () => encoder.encode('data: more\n')),
    ]
    const { stream, backendRequest, ends } = relayed(bodyOf(chunks, { open: true }), 64)

    // Act
    const out = await readAll(stream)

    // Assess
    expect(out).toEqual(['data: first\n\n', 'event: error\ndata: event-too-large\n\n'])
    expect(backendRequest.signal.aborted).toBe(true)
    expect(ends).toHaveLength(1)
    expect(ends[0]?.error).toBeInstanceOf(StreamEventTooLargeError)
  })
  it('ends with the event-too-large event when a translated stream fails because an event passed the limit', async () => {
    // Prepare: a translated stream (mapSse's web stream) that found an event over its limit.
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(encoder.encode('data: first\n\n'))
        else controller.error(new StreamEventTooLargeError(64))
      },
    })
    const { stream, backendRequest, ends } = relayed(body, 64)

    // Act
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe('data: first\n\nevent: error\ndata: event-too-large\n\n')
    expect(backendRequest.signal.aborted).toBe(true)
    expect(ends).toHaveLength(1)
    expect(ends[0]?.error).toBeInstanceOf(StreamEventTooLargeError)
  })
  it('passes on every whole event before a translated stream fails, even to a caller that fell behind', async () => {
    // Prepare: 90 events of 1 KiB, then the stream fails (an event over the limit).
    const events = Array.from(
      { length: 90 },
      (_, i) => `data: ${String(i).padStart(1016, '0')}\n\n`,
    )
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const event = events[pulls++]
        if (event) controller.enqueue(encoder.encode(event))
        else controller.error(new StreamEventTooLargeError(2048))
      },
    })
    const { stream } = relayed(body, 2048)

    // Act: the caller takes the first chunk, then reads nothing for a while.
    const out: string[] = []
    stream.once('data', (chunk) => {
      out.push(String(chunk))
      stream.pause()
      setTimeout(() => {
        stream.on('data', (more) => out.push(String(more)))
        stream.resume()
      }, 50)
    })
    await new Promise((resolve) => stream.once('end', resolve))

    // Assess
    expect(out.join('')).toBe(`${events.join('')}event: error\ndata: event-too-large\n\n`)
  })
})

describe('relayToReadable, the error a stream carried', () => {
  it.each([
    // 0.3's HTTP+JSON error event names no "error" key, only its event
    [
      'an HTTP+JSON stream’s 1.0',
      'event: error\ndata: {"error":{"code":500,"status":"INTERNAL","message":"broke"}}',
      restEventsErrorCode,
      500,
    ],
    [
      'an HTTP+JSON stream’s 0.3',
      'event: error\ndata: {"code":-32006,"message":"The agent answered oddly."}',
      restEventsErrorCode,
      -32006,
    ],
    // `"\u0065rror"` is `"error"` to every JSON reader, a hostile agent's way past a search for
    // the bytes `"error"`
    [
      'a JSON-RPC stream’s escaped-key',
      'data: {"jsonrpc":"2.0","id":1,"\\u0065rror":{"code":-32603,"message":"boom"}}',
      jsonRpcEventsErrorCode,
      -32603,
    ],
    // A byte-order mark opening a stream, which a client passes over
    [
      'a JSON-RPC stream’s first, behind a byte-order mark,',
      '\ufeffdata: {"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"boom"}}',
      jsonRpcEventsErrorCode,
      -32603,
    ],
    // @a2a-js/sdk's client throws on any `error` key, and on an HTTP+JSON `error` event
    [
      'a JSON-RPC stream’s codeless',
      'data: {"jsonrpc":"2.0","id":1,"error":{"message":"boom"}}',
      jsonRpcEventsErrorCode,
      'no code',
    ],
    [
      'an HTTP+JSON stream’s codeless',
      'event: error\ndata: {"message":"boom"}',
      restEventsErrorCode,
      'no code',
    ],
    [
      'an HTTP+JSON stream’s unreadable',
      'event: error\ndata: boom',
      restEventsErrorCode,
      'no error object',
    ],
  ])(
    'reads the code of %s error event, to count and log as the caller’s client reads it',
    async (_, event, errorCodeOf, code) => {
      // Prepare
      const ends: RelayOutcome[] = []
      const stream = relayToReadable(bodyOf([encoder.encode(`${event}\n\n`)]), {
        backendRequest: new AbortController(),
        onEnd: (outcome) => ends.push(outcome),
        events: {
          keepAliveMs: 60_000,
          idleTimeoutMs: 60_000,
          maxEventBytes: 1024,
          errorCodeOf,
          failureEvent: () => '',
        },
      })

      // Act
      await readAll(stream)

      // Assess
      expect(ends).toMatchObject([{ errorCode: code }])
    },
  )
})

describe("relayToReadable on an agent's Node stream", () => {
  /** 64 events of 1 KiB each: four times what the relay buffers before it pauses the agent. */
  const manyEvents = Array.from(
    { length: 64 },
    (_, i) => `data: ${String(i).padStart(1016, '0')}\n\n`,
  )

  /**
   * A relay that sends a keep-alive every 10 ms and idles out after 25 (on a fake clock), whose
   * caller has read nothing while the agent wrote every event: its buffer full, the agent paused.
   */
  const pausedRelay = async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const body = new PassThrough()
    for (const event of manyEvents) body.write(event)
    const relay = relayed(body, 1024 * 1024, { keepAliveMs: 10, idleTimeoutMs: 25 })
    relay.stream.read(0)
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
    return { body, ...relay }
  }

  /** The agent's stream with every event written, and a relay the caller has begun to read. */
  const backedUp = async () => {
    const body = new PassThrough()
    for (const event of manyEvents) body.write(event)
    const relay = relayed(body)
    relay.stream.read(0)
    // Let the relay take what it will: each turn of the loop hands on the chunks due by then.
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
    return { body, ...relay }
  }

  /**
   * A relay that sends a keep-alive every 10 ms and idles out after 25 (on a fake clock), whose
   * agent sends `first`, then `next(turn)` every 5 ms for `forMs` or until the relay aborts it.
   */
  const agentSending = async (first: string, next: (turn: number) => string, forMs = 60) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const body = new PassThrough()
    const { stream, backendRequest } = relayed(body, 1024 * 1024, {
      keepAliveMs: 10,
      idleTimeoutMs: 25,
    })
    const out: string[] = []
    stream.on('data', (chunk) => out.push(String(chunk)))
    body.write(first)
    await new Promise((resolve) => setImmediate(resolve))
    for (let ms = 0; ms < forMs && !backendRequest.signal.aborted; ms += 5) {
      body.write(next(ms / 5))
      await new Promise((resolve) => setImmediate(resolve))
      vi.advanceTimersByTime(5)
    }
    vi.useRealTimers()
    return { body, out, backendRequest }
  }

  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it("pauses the agent's stream while its buffer is full and resumes it when the caller reads", async () => {
    // Prepare
    const { body, stream } = await backedUp()

    // Act
    const pausedWith = { paused: body.isPaused(), buffered: stream.readableLength }
    body.end()
    const out = await readAll(stream)

    // Assess: at most the relay's high-water mark and one event held, then every event in order.
    expect(pausedWith.paused).toBe(true)
    expect(pausedWith.buffered).toBeLessThanOrEqual(stream.readableHighWaterMark + 1024)
    expect(out.join('')).toBe(manyEvents.join(''))
  })

  it("ends with the backend-failed event after the events held when the agent's stream fails while paused", async () => {
    // Prepare
    const { body, stream, backendRequest, ends } = await backedUp()

    // Act
    body.destroy(new Error('socket reset'))
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(`${manyEvents.join('')}event: error\ndata: backend-failed\n\n`)
    expect(backendRequest.signal.aborted).toBe(true)
    expect(ends).toHaveLength(1)
    expect(ends[0]?.error?.message).toBe('socket reset')
  })

  it("aborts the backend request and lets go of the agent's stream when destroyed while paused", async () => {
    // Prepare
    const { body, stream, backendRequest, ends } = await backedUp()

    // Act
    stream.destroy()

    // Assess
    expect(backendRequest.signal.aborted).toBe(true)
    expect(body.destroyed).toBe(true)
    expect(ends).toEqual([{ chunks: expect.any(Number), endedByReader: true }])
  })

  it('sends no keep-alive and never idles out while the caller is not reading', async () => {
    // Prepare: a relay that would send a keep-alive every 10 ms and idle out after 25.
    const { body, stream, backendRequest } = await pausedRelay()

    // Act
    vi.advanceTimersByTime(100)
    body.end()
    vi.useRealTimers()
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(manyEvents.join(''))
    expect(backendRequest.signal.aborted).toBe(false)
  })

  it('idles out an agent that trickles an event it never finishes, keeping the caller alive meanwhile', async () => {
    // Act: one whole event, then a byte of the next every 5 ms, never its blank line.
    const { out, backendRequest } = await agentSending('data: 1\n\ndata: ', () => 'x')

    // Assess: the whole event, keep-alives, then the idle end; the trickled bytes never go out.
    expect(backendRequest.signal.aborted).toBe(true)
    expect(out[0]).toBe('data: 1\n\n')
    expect(out).toContain(': keep-alive\n\n')
    expect(out.at(-1)).toBe('event: error\ndata: idle-timeout\n\n')
    expect(out.join('')).not.toContain('x')
  })

  it.each([
    ['comments', ': still here\n\n'],
    ['blank lines', '\n'],
    ['an id and a retry without data', 'id: 7\nretry: 1000\n\n'],
  ])('idles out an agent that sends only %s after its last event', async (_what, ping) => {
    // Act: one event, then its ping every 5 ms, forever (its task long done, the caller's slot held).
    const { out, backendRequest } = await agentSending('data: 1\n\n', () => ping)

    // Assess: the pings go out as they came, then the idle end
    expect(backendRequest.signal.aborted).toBe(true)
    expect(out[0]).toBe('data: 1\n\n')
    expect(out).toContain(ping)
    expect(out.at(-1)).toBe('event: error\ndata: idle-timeout\n\n')
  })

  it('stays open when the wall clock is stepped forward while the agent is quiet', async () => {
    // Prepare: keep-alive every 10 ms, idle out after 25 ms; one event, then quiet.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const body = new PassThrough()
    const { stream, backendRequest } = relayed(body, 1024 * 1024, {
      keepAliveMs: 10,
      idleTimeoutMs: 25,
    })
    const out: string[] = []
    stream.on('data', (chunk) => out.push(String(chunk)))
    body.write('data: 1\n\n')
    await new Promise((resolve) => setImmediate(resolve))

    // Act: the machine's clock is set ten minutes on (NTP), then one keep-alive's quiet.
    vi.setSystemTime(Date.now() + 600_000)
    vi.advanceTimersByTime(10)
    await new Promise((resolve) => setImmediate(resolve))
    vi.useRealTimers()

    // Assess: before, the quiet was read off the wall clock, and the stream ended idle.
    expect(backendRequest.signal.aborted).toBe(false)
    expect(out).toEqual(['data: 1\n\n', ': keep-alive\n\n'])
    body.end()
  })

  it('stays open while the agent sends events, however it spells their data field', async () => {
    // Act: an event every 5 ms, each behind a comment or an id line, some with `data` alone (an
    // empty data line is still an event a client sees), for more than three idle timeouts.
    const events = [': working\ndata: 1\n\n', 'id: 2\r\ndata\r\n\r\n', 'event: x\ndata:3\n\n']
    const { body, backendRequest } = await agentSending(
      events[0] as string,
      (turn) => events[(turn + 1) % events.length] as string,
      90,
    )

    // Assess
    expect(backendRequest.signal.aborted).toBe(false)
    body.end()
  })

  it('ends the stream, backend aborted, at a line a lone CR ends, before the event goes out', async () => {
    // Prepare: a CR is JSON whitespace to a client that ends lines at LF only, which would read
    // this event's data whole; a reader by the SSE spec cuts it at the CR.
    const body = new PassThrough()
    const { stream, backendRequest, ends } = relayed(body)

    // Act
    body.end('data: {"jsonrpc":"2.0","id":5,\r"result":{"task":{"id":"t-1"}}}\n\n')
    const out = await readAll(stream)

    // Assess
    expect(out).toEqual(['event: error\ndata: lone-cr\n\n'])
    expect(backendRequest.signal.aborted).toBe(true)
    expect(ends).toEqual([{ chunks: 1, error: expect.any(StreamLoneCrError) }])
  })

  it('counts an agent quiet from when a caller who fell behind reads again, not from before', async () => {
    // Prepare: keep-alive every 10 ms, idle out after 25; the caller reads nothing for 100 ms,
    // while the relay's buffer is full and the agent paused.
    const { body, stream, backendRequest } = await pausedRelay()
    vi.advanceTimersByTime(100)

    // Act: the caller reads again; the agent, just resumed, takes 10 ms for its next event
    stream.resume()
    for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
    vi.advanceTimersByTime(10)
    vi.useRealTimers()

    // Assess: a keep-alive, not an idle end
    expect(backendRequest.signal.aborted).toBe(false)
    body.end()
  })

  it('puts an LF before the failure event when what went out last ended with a CR', async () => {
    // Prepare: an event ended by LF CR goes out; the next byte is no LF, so the stream ends
    const body = new PassThrough()
    const { stream } = relayed(body)

    // Act
    body.write('data: 1\n\r')
    await new Promise((resolve) => setImmediate(resolve))
    body.end('data: 2\n\n')
    const out = await readAll(stream)

    // Assess: a client that ends lines at LF only reads the CR's line closed, then the event
    expect(out.join('')).toBe('data: 1\n\r\nevent: error\ndata: lone-cr\n\n')
  })

  it('keeps one keep-alive timer for the whole stream, not one per chunk', async () => {
    // Prepare
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    const body = new PassThrough()
    const { stream } = relayed(body)

    // Act
    for (const event of manyEvents) body.write(event)
    body.end()
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(manyEvents.join(''))
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1)
  })
})

describe('relayToReadable at a stream’s terminal event', () => {
  const status = (step: number, state = 'TASK_STATE_WORKING') =>
    `data: ${JSON.stringify({
      statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state }, metadata: { step } },
    })}\n\n`
  const artifact = (step: number) =>
    `data: ${JSON.stringify({
      artifactUpdate: {
        taskId: 't-1',
        artifact: { artifactId: 'a', parts: [{ text: `${step}` }] },
      },
    })}\n\n`
  const completed = status(2, 'TASK_STATE_COMPLETED')
  const task = (state: string) =>
    `data: ${JSON.stringify({ task: { id: 't-1', contextId: 'c-1', status: { state } } })}\n\n`
  /** The final `Task` snapshot A2A lets an agent resend after its terminal status update. */
  const snapshot = task('TASK_STATE_COMPLETED')

  it('says of a stream the agent ended before any terminal event that it ended so', async () => {
    // Prepare: a task at work, its stream ended by the agent, which a client may take for done
    const { stream, ends } = relayed(bodyOf([encoder.encode(status(0) + artifact(1))]), 1024, {
      endsAtTerminalEvent: true,
    })

    // Act
    const out = await readAll(stream)

    // Assess: relayed as it came; the access line can tell it from a stream that ended whole
    expect(out.join('')).toBe(status(0) + artifact(1))
    expect(ends).toEqual([{ chunks: 1, endedWithoutTerminalEvent: true }])
  })

  it('sends the terminal event, then ends the stream and aborts the agent, who keeps sending', async () => {
    // Prepare: the agent's stream, which it never ends
    const body = new PassThrough()
    const { stream, backendRequest, ends, cutOffs } = relayed(body, 1024 * 1024, {
      endsAtTerminalEvent: true,
    })
    const out: string[] = []
    stream.on('data', (chunk) => out.push(String(chunk)))
    const ended = new Promise((resolve) => stream.once('end', resolve))

    // Act: two events and the task's end, then an event a turn, until it is cut off
    for (const event of [status(0), artifact(1), completed]) body.write(event)
    let after = 0
    while (!backendRequest.signal.aborted && after < 20) {
      await new Promise((resolve) => setImmediate(resolve))
      body.write(status(3 + after++))
    }
    // An agent not cut off ends in the end: what the caller got then tells.
    if (!backendRequest.signal.aborted) body.end()
    await ended

    // Assess
    expect(out.join('')).toBe(status(0) + artifact(1) + completed)
    expect(backendRequest.signal.aborted).toBe(true)
    expect(body.destroyed).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(ends).toEqual([{ chunks: expect.any(Number), endedAtTerminalEvent: true }])
    expect(cutOffs).toEqual(['sent-more'])
  })

  it.each([
    ['what follows it in the same chunk', [`${status(0)}${completed}${artifact(3)}: ping\n\n`]],
    [
      'what follows it when the event came in pieces',
      [status(0), completed.slice(0, 40), completed.slice(40, -1), `\n${artifact(3)}`],
    ],
  ])('sends nothing of %s', async (_what, chunks) => {
    // Act
    const { stream, backendRequest } = relayed(
      bodyOf(chunks.map((chunk) => encoder.encode(chunk))),
      1024 * 1024,
      { endsAtTerminalEvent: true },
    )
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(status(0) + completed)
    expect(backendRequest.signal.aborted).toBe(true)
  })

  it.each([
    ['in one chunk', ['\ufeff']],
    ['a byte at a time', ['\xef', '\xbb', '\xbf']],
  ])(
    'drops a byte-order mark opening the stream (%s), as a client does, so its first event can end it',
    async (_how, opening) => {
      // Prepare: a client passes the mark over; a check reading the bytes as they came did not
      const chunks = [
        ...opening.map((bytes) =>
          bytes === '\ufeff' ? encoder.encode(bytes) : Buffer.from(bytes, 'latin1'),
        ),
        encoder.encode(completed + artifact(3)),
      ]

      // Act
      const { stream, backendRequest } = relayed(bodyOf(chunks), 1024 * 1024, {
        endsAtTerminalEvent: true,
      })
      const out = await readAll(stream)

      // Assess: the task's end ends the stream, and nothing of the mark goes out
      expect(out.join('')).toBe(completed)
      expect(backendRequest.signal.aborted).toBe(true)
    },
  )

  it('keeps a byte-order mark past the stream’s start, part of its line as a client reads it', async () => {
    // Act
    const sent = `${status(0)}\ufeff${completed}`
    const { stream } = relayed(bodyOf([encoder.encode(sent)]), 1024 * 1024, {
      endsAtTerminalEvent: true,
    })
    const out = await readAll(stream)

    // Assess: no event of the task's end to a client, so none to the gateway either
    expect(out.join('')).toBe(sent)
  })

  it('sends the LF of a terminal event whose blank line so far has its CR only', async () => {
    // Prepare: the agent ends its lines with CRLF; the last LF never comes
    const crlf = completed.replaceAll('\n', '\r\n')

    // Act
    const { stream } = relayed(bodyOf([encoder.encode(crlf.slice(0, -1))]), 1024 * 1024, {
      endsAtTerminalEvent: true,
    })
    const out = await readAll(stream)

    // Assess: a client that ends lines at LF only reads the blank line, and so the event
    expect(out.join('')).toBe(crlf)
  })

  it('lets an agent that ends its stream after the terminal event end it, unaborted', async () => {
    // Prepare
    const body = new PassThrough()
    const { stream, backendRequest, ends, cutOffs } = relayed(body, 1024 * 1024, {
      endsAtTerminalEvent: true,
    })

    // Act: the end comes after the terminal event, as a chunk of its own
    body.write(status(0))
    body.write(completed)
    await new Promise((resolve) => setImmediate(resolve))
    body.end()
    const out = await readAll(stream)
    await new Promise((resolve) => setImmediate(resolve))

    // Assess: nothing aborted, so the agent's connection goes back to the pool
    expect(out.join('')).toBe(status(0) + completed)
    expect(backendRequest.signal.aborted).toBe(false)
    expect(ends).toEqual([{ chunks: 2, endedAtTerminalEvent: true }])
    expect(cutOffs).toEqual([])
  })

  it.each([
    ['a terminal Task', [snapshot]],
    ['the snapshot after a terminal status update', [completed, snapshot]],
  ])(
    'lets an agent whose CRLF %s came without its last LF send the LF and end its stream, unaborted',
    async (_what, events) => {
      // Prepare: the agent ends its lines with CRLF; its last LF comes in a chunk of its own
      const crlf = events.join('').replaceAll('\n', '\r\n')
      const body = new PassThrough()
      const { stream, backendRequest } = relayed(body, 1024 * 1024, { endsAtTerminalEvent: true })

      // Act
      body.write(crlf.slice(0, -1))
      await new Promise((resolve) => setImmediate(resolve))
      body.end('\n')
      const out = await readAll(stream)
      await new Promise((resolve) => setImmediate(resolve))

      // Assess: the LF was the event's own, not more: the agent's connection goes back to the pool
      expect(out.join('')).toBe(crlf)
      expect(backendRequest.signal.aborted).toBe(false)
    },
  )

  /** A relay of an agent's stream it never ends, on a fake clock, keep-alive every 10 ms. */
  const quietAgent = () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const body = new PassThrough()
    const { stream, backendRequest, cutOffs } = relayed(body, 1024 * 1024, {
      keepAliveMs: 10,
      idleTimeoutMs: 25,
      endsAtTerminalEvent: true,
    })
    const out: string[] = []
    stream.on('data', (chunk) => out.push(String(chunk)))
    let ended = false
    stream.once('end', () => {
      ended = true
    })
    const state = () => ({ ended, aborted: backendRequest.signal.aborted, out: out.join('') })
    return { body, state, cutOffs }
  }

  it.each([
    ['a terminal Task', snapshot],
    [
      'a Message',
      `data: ${JSON.stringify({ message: { messageId: 'm', role: 'ROLE_AGENT' } })}\n\n`,
    ],
    ['an error', 'event: error\ndata: {"error":{"code":502}}\n\n'],
  ])(
    'ends the caller’s stream at once after %s, and lets a quiet agent go a keep-alive later',
    async (_what, last) => {
      // Prepare
      const { body, state, cutOffs } = quietAgent()

      // Act: the terminal event, then nothing, and the stream left open
      body.write(last)
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
      const beforeTheTimer = state()
      vi.advanceTimersByTime(10)
      vi.useRealTimers()

      // Assess: the caller's stream ended with no timer run; the agent let go after one
      expect(beforeTheTimer).toEqual({ ended: true, aborted: false, out: last })
      expect(state()).toEqual({ ended: true, aborted: true, out: last })
      expect(cutOffs).toEqual(['stayed-open'])
    },
  )

  it('waits for a quiet agent’s snapshot after a terminal status update a keep-alive, no longer, then lets it go', async () => {
    // Prepare
    const { body, state } = quietAgent()

    // Act: the terminal status update, then nothing, and the stream left open
    body.write(completed)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    const beforeTheTimer = state()
    vi.advanceTimersByTime(10)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    vi.useRealTimers()

    // Assess: the caller's stream open until the timer, not a keep-alive sent meanwhile
    expect(beforeTheTimer).toEqual({ ended: false, aborted: false, out: completed })
    expect(state()).toEqual({ ended: true, aborted: true, out: completed })
  })

  it('lets a quiet agent go a keep-alive after its terminal status update, the snapshot between restarting nothing', async () => {
    // Prepare
    const { body, state } = quietAgent()

    // Act: the update, the snapshot 8 ms later, then nothing, and the stream left open
    body.write(completed)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    vi.advanceTimersByTime(8)
    body.write(snapshot)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    const withTheSnapshot = state()
    vi.advanceTimersByTime(2)
    vi.useRealTimers()

    // Assess: the caller's stream ended with the snapshot; the agent let go 10 ms after the update
    expect(withTheSnapshot).toEqual({ ended: true, aborted: false, out: completed + snapshot })
    expect(state()).toEqual({ ended: true, aborted: true, out: completed + snapshot })
  })

  it('tells a caller gone while the snapshot is awaited, and lets the quiet agent go a keep-alive after the update, not at once', async () => {
    // Prepare: a keep-alive of 10 ms on a fake clock; the agent's stream, which it never ends
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const body = new PassThrough()
    const { stream, backendRequest, ends } = relayed(body, 1024 * 1024, {
      keepAliveMs: 10,
      endsAtTerminalEvent: true,
    })
    stream.on('error', () => undefined)
    stream.resume()

    // Act: the terminal status update, then the caller goes away
    body.write(completed)
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    stream.destroy(new Error('the caller closed the connection'))
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
    const atOnce = { aborted: backendRequest.signal.aborted, timers: vi.getTimerCount() }
    vi.advanceTimersByTime(10)
    const later = { aborted: backendRequest.signal.aborted, timers: vi.getTimerCount() }
    vi.useRealTimers()

    // Assess: a caller gone, as the access line reads it; the agent let go by the one timer left
    expect(ends).toEqual([
      {
        chunks: 1,
        error: new Error('the caller closed the connection'),
        endedByReader: true,
        endedAtTerminalEvent: true,
      },
    ])
    expect(atOnce).toEqual({ aborted: false, timers: 1 })
    expect(later).toEqual({ aborted: true, timers: 0 })
    expect(body.destroyed).toBe(true)
  })

  it.each([
    ['the snapshot A2A allows, then ends its stream', [snapshot], [], false],
    [
      'the snapshot in pieces, then ends its stream',
      [snapshot.slice(0, 20), snapshot.slice(20)],
      [],
      false,
    ],
    ['another event', [status(3)], ['sent-more'], true],
    ['the snapshot and more', [snapshot + status(3)], ['sent-more'], true],
  ])(
    'reads on an agent whose caller left while the snapshot was awaited: it sends %s',
    async (_what, chunks, cutOff, aborted) => {
      // Prepare: the agent's stream; its caller reads, then goes away after the terminal update
      const body = new PassThrough()
      const { stream, backendRequest, ends, cutOffs } = relayed(body, 1024 * 1024, {
        endsAtTerminalEvent: true,
      })
      stream.on('error', () => undefined)
      stream.resume()

      // Act: the terminal status update, the caller gone, then what the agent sends
      body.write(completed)
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
      stream.destroy(new Error('the caller closed the connection'))
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))
      for (const chunk of chunks) {
        body.write(chunk)
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (!aborted) body.end()
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve))

      // Assess: a snapshot is no more than A2A lets an agent send, its connection kept; more is
      expect({ cutOffs, aborted: backendRequest.signal.aborted }).toEqual({
        cutOffs: cutOff,
        aborted,
      })
      expect(ends).toHaveLength(1)
    },
  )

  it.each([
    ['ends its stream', (body: PassThrough) => body.end()],
    ['fails', (body: PassThrough) => body.destroy(new Error('socket reset'))],
  ])(
    'ends the caller’s stream after the terminal status update, no error event and no half event, when the agent %s mid-snapshot',
    async (_what, stop) => {
      // Prepare
      const body = new PassThrough()
      const { stream, backendRequest, ends } = relayed(body, 1024 * 1024, {
        endsAtTerminalEvent: true,
      })
      const out: string[] = []
      stream.on('data', (chunk) => out.push(String(chunk)))
      const ended = new Promise((resolve) => stream.once('end', resolve))

      // Act: the update and half the snapshot, then the agent stops
      body.write(completed + snapshot.slice(0, 20))
      await new Promise((resolve) => setImmediate(resolve))
      stop(body)
      await ended
      await new Promise((resolve) => setImmediate(resolve))

      // Assess
      expect(out.join('')).toBe(completed)
      expect(backendRequest.signal.aborted).toBe(false)
      expect(ends).toEqual([{ chunks: 1, endedAtTerminalEvent: true }])
    },
  )

  it.each([
    ['in a chunk of its own', [status(0), completed, snapshot]],
    ['in the terminal event’s chunk', [status(0), completed + snapshot]],
    ['in pieces', [status(0), completed + snapshot.slice(0, 20), snapshot.slice(20)]],
    ['after a comment', [status(0), completed, `: ping\n\n${snapshot}`]],
  ])(
    'relays the Task snapshot after a terminal status update (%s), and ends with it',
    async (_how, chunks) => {
      // Act: the agent ends its stream after the snapshot
      const { stream, backendRequest, ends } = relayed(
        bodyOf(chunks.map((chunk) => encoder.encode(chunk))),
        1024 * 1024,
        { endsAtTerminalEvent: true },
      )
      const out = await readAll(stream)
      await new Promise((resolve) => setImmediate(resolve))

      // Assess: the snapshot too, and the agent, which ended its stream, not aborted
      expect(out.join('')).toBe(chunks.join(''))
      expect(backendRequest.signal.aborted).toBe(false)
      expect(ends).toEqual([{ chunks: chunks.length, endedAtTerminalEvent: true }])
    },
  )

  it.each([
    ['in the same chunk', [completed + snapshot + status(3)]],
    ['later', [completed, snapshot, status(3), artifact(4)]],
    ['a second snapshot', [completed, snapshot, snapshot]],
  ])(
    'relays the snapshot and nothing after it: more (%s) cuts the agent off',
    async (_what, chunks) => {
      // Prepare: the agent's stream, which it never ends
      const body = new PassThrough()
      const { stream, backendRequest } = relayed(body, 1024 * 1024, { endsAtTerminalEvent: true })
      const out: string[] = []
      stream.on('data', (chunk) => out.push(String(chunk)))
      const ended = new Promise((resolve) => stream.once('end', resolve))

      // Act: a chunk a turn
      for (const chunk of chunks) {
        if (backendRequest.signal.aborted) break
        body.write(chunk)
        await new Promise((resolve) => setImmediate(resolve))
      }
      await ended

      // Assess
      expect(out.join('')).toBe(completed + snapshot)
      expect(backendRequest.signal.aborted).toBe(true)
    },
  )

  it.each([
    ['an artifact', artifact(3)],
    ['a working status update', status(3)],
    [
      'a Message',
      `data: ${JSON.stringify({ message: { messageId: 'm', role: 'ROLE_AGENT' } })}\n\n`,
    ],
    ['an error', 'event: error\ndata: {"error":{"code":502}}\n\n'],
    ['data no JSON', 'data: {"task":\n\n'],
  ])(
    'relays no other event after a terminal status update than a Task: %s, then a snapshot',
    async (_what, other) => {
      // Act
      const { stream, backendRequest } = relayed(
        bodyOf([completed, other, snapshot].map((chunk) => encoder.encode(chunk))),
        1024 * 1024,
        { endsAtTerminalEvent: true },
      )
      const out = await readAll(stream)

      // Assess
      expect(out.join('')).toBe(completed)
      expect(backendRequest.signal.aborted).toBe(true)
    },
  )

  it.each([
    ['a terminal Task', snapshot],
    [
      'a Message',
      `data: ${JSON.stringify({ message: { messageId: 'm', role: 'ROLE_AGENT' } })}\n\n`,
    ],
  ])('relays no snapshot after %s', async (_what, last) => {
    // Act
    const { stream, backendRequest } = relayed(
      bodyOf([last, snapshot].map((chunk) => encoder.encode(chunk))),
      1024 * 1024,
      { endsAtTerminalEvent: true },
    )
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(last)
    expect(backendRequest.signal.aborted).toBe(true)
  })

  it.each([
    ['an event past the limit', `data: {"task":${'x'.repeat(1024)}`],
    ['a lone CR', 'data: {"task":{}}\rdata: x\n\n'],
  ])(
    'ends the caller’s stream after the terminal status update, with no error event, at %s where the snapshot may be',
    async (_what, after) => {
      // Act: an event limit the status update fits in
      const { stream, backendRequest } = relayed(
        bodyOf(
          [completed, after].map((chunk) => encoder.encode(chunk)),
          { open: true },
        ),
        512,
        { endsAtTerminalEvent: true },
      )
      const out = await readAll(stream)

      // Assess
      expect(out.join('')).toBe(completed)
      expect(backendRequest.signal.aborted).toBe(true)
    },
  )

  it('sends the LF of a terminal status update whose blank line came with its CR only, then the snapshot', async () => {
    // Prepare: the agent ends its lines with CRLF, the last LF of the status update in the next chunk
    const crlf = (text: string) => text.replaceAll('\n', '\r\n')
    const chunks = [crlf(completed).slice(0, -1), `\n${crlf(snapshot)}`]

    // Act
    const { stream } = relayed(bodyOf(chunks.map((chunk) => encoder.encode(chunk))), 1024 * 1024, {
      endsAtTerminalEvent: true,
    })
    const out = await readAll(stream)

    // Assess: a client that ends lines at LF only reads both events
    expect(out.join('')).toBe(crlf(completed) + crlf(snapshot))
  })

  it.each([
    // Chunks counts what was read while the caller's stream was open: the one that was no snapshot.
    ['no snapshot', [status(0), completed], [status(3), status(4)], 3],
    ['the snapshot', [status(0), completed, snapshot], [status(3), status(4)], 3],
  ])(
    'ends a translated stream at its terminal event (%s), and cancels it when more comes',
    async (_what, sent, after, read) => {
      // Prepare: a translated (web) stream that goes on after the task's end
      let cancelled = false
      const events = [...sent, ...after]
      let pulls = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const event = events[pulls++]
          if (event) controller.enqueue(encoder.encode(event))
          else controller.close()
        },
        cancel() {
          cancelled = true
        },
      })

      // Act
      const { stream, backendRequest, ends } = relayed(body, 1024 * 1024, {
        endsAtTerminalEvent: true,
      })
      const out = await readAll(stream)
      await vi.waitFor(() => expect(cancelled).toBe(true))

      // Assess
      expect(out.join('')).toBe(sent.join(''))
      expect(backendRequest.signal.aborted).toBe(true)
      expect(ends).toEqual([{ chunks: read, endedAtTerminalEvent: true }])
    },
  )

  it('passes a stream without a terminal event on as it came, to the agent’s own end', async () => {
    // Prepare: working updates, artifacts, a comment, an input the agent waits for auth on
    const events = [
      status(0),
      artifact(1),
      ': still working\n\n',
      status(2, 'TASK_STATE_AUTH_REQUIRED'),
      `data: ${JSON.stringify({ task: { id: 't-1', status: { state: 'TASK_STATE_INPUT_REQUIRED' } } })}\n\n`,
      artifact(3),
    ]

    // Act
    const { stream, backendRequest, ends } = relayed(
      bodyOf(events.map((event) => encoder.encode(event))),
      1024 * 1024,
      { endsAtTerminalEvent: true },
    )
    const out = await readAll(stream)

    // Assess
    expect(out.join('')).toBe(events.join(''))
    expect(backendRequest.signal.aborted).toBe(false)
    await new Promise((resolve) => setImmediate(resolve))
    expect(ends).toEqual([{ chunks: events.length, endedWithoutTerminalEvent: true }])
  })
})

describe('EventBoundaries', () => {
  const ends = (maxEventBytes: number, ...chunks: string[]) => {
    const boundaries = new EventBoundaries(maxEventBytes)
    return chunks.map((chunk) => boundaries.scan(encoder.encode(chunk)))
  }

  it.each([
    ['LF', ['data: a\n\ndata: b'], [9]],
    ['CRLF', ['data: a\r\n\r\ndata: b'], [11]],
    ['CRLF split between chunks', ['data: a\r\n\r', '\ndata: b\n', '\n'], [10, 1, 1]],
    ['a lone line end, no blank line', ['data: a\r', '\ndata: b\n'], [0, 0]],
  ])('finds where whole events end after %s', (_how, chunks, expected) => {
    // Act
    const found = ends(1024, ...chunks)

    // Assess
    expect(found).toEqual(expected)
  })

  it.each([
    ['within a chunk', ['data: {"id":5,\r"result":1}\n\n']],
    ['a CR ending one chunk, the next not starting with LF', ['data: a\r', 'data: b\n\n']],
    ['lines ended by CR alone', ['data: a\r\rdata: b']],
  ])(
    'refuses a CR with no LF after it, %s: the SSE spec and the official client read it apart',
    (_how, chunks) => {
      // Act
      const scan = () => ends(1024, ...chunks)

      // Assess
      expect(scan).toThrow(StreamLoneCrError)
    },
  )

  it('counts an event across chunks against the limit and starts again after its blank line', () => {
    // Prepare
    const boundaries = new EventBoundaries(10)

    // Act
    const first = boundaries.scan(encoder.encode('data: 12\n\n'))
    const second = boundaries.scan(encoder.encode('data:'))

    // Assess
    expect([first, second]).toEqual([10, 0])
    expect(() => boundaries.scan(encoder.encode('123456'))).toThrow(StreamEventTooLargeError)
  })
})
