export interface SseEvent {
  /** The `event:` field, when there is one (A2A uses `error`). */
  event?: string
  data: string
}

const encoder = new TextEncoder()

/**
 * The events of a server-sent-event stream, each yielded as soon as its blank
 * line arrives; comments are dropped. A stream that ends inside an event (the
 * sender broke off) throws rather than dropping it unseen.
 */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event: string | undefined
  let data: string[] = []
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline = buffer.search(/\r?\n/)
    while (newline >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1)
      if (line === '') {
        if (data.length > 0) yield { ...(event ? { event } : {}), data: data.join('\n') }
        event = undefined
        data = []
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      else if (line.startsWith('event:')) event = line.slice(6).trim()
      newline = buffer.search(/\r?\n/)
    }
  }
  if (data.length > 0 || event !== undefined || (buffer !== '' && !buffer.startsWith(':'))) {
    throw new Error('the event stream ended inside an event')
  }
}

/** Writes one event in SSE framing. */
export const formatSse = ({ event, data }: SseEvent): string =>
  `${event ? `event: ${event}\n` : ''}${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`

/**
 * A stream of events rewritten one by one: each output event is written as soon
 * as its input event is complete.
 */
export const mapSse = (
  body: ReadableStream<Uint8Array>,
  rewrite: (event: SseEvent) => SseEvent,
): ReadableStream<Uint8Array> => {
  const events = sseEvents(body)
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next()
      if (next.done) controller.close()
      else controller.enqueue(encoder.encode(formatSse(rewrite(next.value))))
    },
    async cancel(reason) {
      await events.return(undefined)
      await body.cancel(reason).catch(() => undefined)
    },
  })
}
