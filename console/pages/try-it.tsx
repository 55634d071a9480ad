import { useEffect, useRef, useState } from 'preact/hooks'
import { parseJson } from '../../lib/json-parse.ts'
import { authorization, messageOf, pathOf } from '../api.ts'
import { gatewayBase, type Session } from '../auth.ts'
import { Badge, type Notice, NoticeLine, plainText, useLoad } from '../ui.tsx'
import { loadFleet } from './fleet.tsx'

type Binding = 'HTTP+JSON' | 'JSONRPC'

interface StreamEvent {
  /** What arrived, as the binding sent it. */
  raw: unknown
  kind: string
  text: string
  state?: string
}

/**
 * The events Try it lists of one stream: its last ones. Each event listed is drawn again as the
 * next arrives, so a stream of 30,000 froze the tab for some 10 s; what the page says of the
 * stream (its answer, its last state, how many events) is kept whole beside them.
 */
const listedEvents = 200

interface Turn {
  question: string
  target: string
  binding: Binding
  /** The stream's last `listedEvents` events. */
  events: StreamEvent[]
  /** How many came before those, no longer listed. */
  leftOut: number
  /** The last task state an event said. */
  state?: string
  /** The artifacts' text so far, if any artifact came: the answer. */
  artifactText?: string
  /** The last message's text: the answer when no artifact came. */
  messageText?: string
  answeredBy?: string
  candidates?: { agentId: string; score: number }[]
  error?: string
  done: boolean
}

/** Every text part in an A2A event (message, status message, artifact), in order. */
const textsOf = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(textsOf)
  if (!value || typeof value !== 'object') return []
  const record = value as Record<string, unknown>
  if (typeof record.text === 'string') return [record.text]
  return Object.entries(record)
    .filter(([key]) => key !== 'history')
    .flatMap(([, inner]) => textsOf(inner))
}

/**
 * One event as the page shows it. An agent's words are shown as `plainText` (its control and
 * bidirectional characters visible), so an answer cannot read as another. An event named `error`
 * is an error whatever its data says (the gateway counts it so, `lib/a2a/translate.ts`): an
 * agent's error in 0.3's shape, `{ code, message }`, read as a blank "message" before.
 */
const describe = (raw: unknown, name: string | undefined): StreamEvent => {
  const result = ((raw as { result?: unknown }).result ?? raw) as Record<string, unknown>
  const kind =
    Object.keys(result).find((key) =>
      ['task', 'message', 'statusUpdate', 'artifactUpdate'].includes(key),
    ) ?? (typeof result.kind === 'string' ? result.kind : 'event')
  const inner = (result[kind] ?? result) as Record<string, unknown>
  const status = (inner.status ?? {}) as { state?: unknown }
  const error = (raw as { error?: { message?: unknown } }).error
  if (error || name === 'error') {
    const said = error?.message ?? (raw as { message?: unknown }).message
    return {
      raw,
      kind: 'error',
      text: plainText(typeof said === 'string' ? said : JSON.stringify(raw)),
    }
  }
  return {
    raw,
    kind: plainText(kind),
    text: plainText(
      textsOf(kind === 'task' ? { status: inner.status, artifacts: inner.artifacts } : inner).join(
        ' ',
      ),
    ),
    ...(typeof status.state === 'string'
      ? { state: plainText(status.state.replace(/^TASK_STATE_/, '').toLowerCase()) }
      : {}),
  }
}

/** A turn with one more event: listed, and what it says of the stream kept. */
const withEvent = (turn: Turn, item: StreamEvent): Turn => {
  const full = turn.events.length >= listedEvents
  return {
    ...turn,
    events: [...(full ? turn.events.slice(1) : turn.events), item],
    leftOut: turn.leftOut + (full ? 1 : 0),
    ...(item.state ? { state: item.state } : {}),
    ...(item.kind === 'artifactUpdate'
      ? { artifactText: (turn.artifactText ?? '') + item.text }
      : {}),
    ...(item.kind === 'message' ? { messageText: item.text } : {}),
  }
}

/**
 * A field's value if `line` is the field `name`, as the SSE spec (and so a caller's client, and
 * the gateway's `wholeEvents` in lib/a2a/sse.ts) reads it: `name:value` with one space after the
 * colon dropped, or `name` alone.
 */
const fieldValue = (line: string, name: string): string | undefined => {
  if (line === name) return ''
  if (!line.startsWith(`${name}:`)) return undefined
  const value = line.slice(name.length + 1)
  return value.startsWith(' ') ? value.slice(1) : value
}

/**
 * Reads a server-sent event stream, handing each event's data, parsed as JSON, to `onEvent` as
 * it arrives, with the event's name: read as the gateway reads it (`wholeEvents`), its last
 * `event` line names it. Line ends are made LF in all that is held, not chunk by chunk: a CRLF
 * split between two chunks (the CR at one's end) left an event unended, then read with the next.
 */
const readEvents = async (
  body: ReadableStream<Uint8Array>,
  onEvent: (raw: unknown, name: string | undefined) => void,
) => {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer = (buffer + decoder.decode(value, { stream: true })).replaceAll('\r\n', '\n')
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const data: string[] = []
      let name: string | undefined
      for (const line of buffer.slice(0, end).split('\n')) {
        const said = fieldValue(line, 'data')
        if (said !== undefined) data.push(said)
        name = fieldValue(line, 'event') ?? name
      }
      buffer = buffer.slice(end + 2)
      if (data.length) onEvent(parseJson(data.join('\n')), name)
      end = buffer.indexOf('\n\n')
    }
  }
}

const stateTone = (state: string | undefined) =>
  state === 'completed'
    ? 'good'
    : state === 'failed' || state === 'rejected' || state === 'canceled'
      ? 'bad'
      : 'warn'

export const TryItPage = ({
  session,
  preselected,
}: {
  session: Session
  preselected?: string | undefined
}) => {
  const fleet = useLoad(async () => {
    // Only what this person may call: GET /agents lists exactly that.
    const agents = await loadFleet({ ...session, isAdmin: false })
    return agents.map((agent) => agent.agentId)
  })
  const [target, setTarget] = useState(preselected ?? '')
  const [binding, setBinding] = useState<Binding>('HTTP+JSON')
  const [text, setText] = useState('')
  const [turns, setTurns] = useState<Turn[]>([])
  const [showRaw, setShowRaw] = useState(false)
  const [notice, setNotice] = useState<Notice>()
  const contextId = useRef(crypto.randomUUID())
  /**
   * Ends this page's calls when it goes (another page, a sign out): a stream the agent holds open
   * would otherwise stay open, holding one of the person's few concurrent streams on that agent
   * (MAX_CONCURRENT_STREAMS), until the agent or the gateway's idle limit ended it.
   */
  const leaving = useRef(new AbortController())
  useEffect(() => () => leaving.current.abort(), [])

  // What the address preselects is only a wish: the person sends to an agent of the list they see.
  // The list's first is chosen for them only if they have chosen nothing of it yet: this runs a
  // frame after the list shows, and a choice made in that frame was overwritten.
  useEffect(() => {
    if (!fleet.data) return
    const listed = fleet.data
    const unlisted = (agent: string) =>
      agent !== '' && agent !== '(route)' && !listed.includes(agent)
    if (unlisted(target)) {
      setNotice({
        kind: 'error',
        text: `${target} is no agent you may call here: choose one from the list.`,
      })
    }
    setTarget((current) =>
      current === '' || unlisted(current) ? (listed[0] ?? '(route)') : current,
    )
  }, [fleet.data])

  const update = (index: number, change: (turn: Turn) => Turn) =>
    setTurns((previous) => previous.map((turn, at) => (at === index ? change(turn) : turn)))

  /** Why no message can go out while the list is not there: it failed, so it never will be. */
  const notListed = (): Notice => ({
    kind: 'error',
    text: 'The agents you may call could not be listed (the problem is shown below): reload the page to try again, or choose Route.',
  })

  /**
   * A message sent before the list of agents has loaded: sent once it has, to the agent the
   * address or the list chose, rather than refused (a person who presses Send at once meant it).
   * It stays in its box, unsent, when the list fails or names no agent the address chose.
   */
  const [waitingForList, setWaitingForList] = useState(false)
  /**
   * The agent the person last chose in the list, as they chose it: this effect runs a frame after
   * the list shows, and one chosen in that frame is not yet the `target` it sees (the message went
   * to the list's first while their choice showed).
   */
  const chosenNow = useRef<string | undefined>(undefined)
  useEffect(() => {
    if (!waitingForList || fleet.loading) return
    setWaitingForList(false)
    if (!fleet.data) return setNotice(notListed())
    const to = chosenNow.current ?? target
    // The address's wish that the list does not hold is told by the effect above, not sent.
    if (to && to !== '(route)' && !fleet.data.includes(to)) return
    void startTurn(to || (fleet.data[0] ?? '(route)'))
  }, [waitingForList, fleet.loading])

  const send = async (event: Event) => {
    event.preventDefault()
    if (!text.trim()) return setNotice({ kind: 'error', text: 'Write a message first.' })
    if (!fleet.data && target !== '(route)') {
      if (fleet.error) return setNotice(notListed())
      setWaitingForList(true)
      return setNotice({
        kind: 'info',
        text: 'The agents you may call are still loading: your message goes once they have.',
      })
    }
    if (!target || (target !== '(route)' && !fleet.data?.includes(target))) {
      return setNotice({ kind: 'error', text: 'Choose an agent (or route) from the list first.' })
    }
    await startTurn(target)
  }

  /** The message in the box, sent to `target` as a new turn of the conversation. */
  const startTurn = async (target: string) => {
    setNotice(undefined)
    const question = text
    setText('')
    const index = turns.length
    setTurns((previous) => [
      ...previous,
      { question, target, binding, events: [], leftOut: 0, done: false },
    ])
    const message = {
      messageId: crypto.randomUUID(),
      contextId: contextId.current,
      role: 'ROLE_USER',
      parts: [{ text: question }],
    }
    const routed = target === '(route)'
    const base = routed ? `${gatewayBase}/route` : `${gatewayBase}${pathOf`/agents/${target}`}`
    const jsonRpc = binding === 'JSONRPC'
    try {
      if (routed) {
        const search = await fetch(`${gatewayBase}/search`, {
          method: 'POST',
          signal: leaving.current.signal,
          headers: { authorization: authorization(), 'content-type': 'application/json' },
          body: JSON.stringify({ query: question }),
        })
        if (search.ok) {
          const { results } = (await search.json()) as {
            results: { agentId: string; score: number }[]
          }
          update(index, (turn) => ({ ...turn, candidates: results }))
        }
      }
      const response = await fetch(jsonRpc ? base : `${base}/message:stream`, {
        method: 'POST',
        signal: leaving.current.signal,
        headers: {
          authorization: authorization(),
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'a2a-version': '1.0',
        },
        body: JSON.stringify(
          jsonRpc
            ? { jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: { message } }
            : { message },
        ),
      })
      const answeredBy = response.headers.get('x-switchboard-agent') ?? undefined
      if (answeredBy) update(index, (turn) => ({ ...turn, answeredBy }))
      if (
        !response.ok ||
        !response.body ||
        !response.headers.get('content-type')?.includes('event-stream')
      ) {
        const body = await response.text()
        let said: unknown = body
        try {
          const parsed = parseJson(body) as {
            error?: { message?: unknown }
            detail?: unknown
            message?: unknown
          }
          said = parsed.error?.message ?? parsed.detail ?? parsed.message ?? body
        } catch {}
        // An agent's answer may come through as it wrote it: its words shown as plain text.
        throw new Error(
          `${response.ok ? 'Unexpected answer' : `HTTP ${response.status}`}: ${plainText(typeof said === 'string' ? said : body) || 'no body'}`,
        )
      }
      await readEvents(response.body, (raw, name) =>
        update(index, (turn) => withEvent(turn, describe(raw, name))),
      )
      update(index, (turn) => ({ ...turn, done: true }))
    } catch (error) {
      // The browser's own words may quote the agent's (JSON.parse's quote an event's data).
      update(index, (turn) => ({ ...turn, error: plainText(messageOf(error)), done: true }))
    }
  }

  return (
    <section>
      <h1>Try it</h1>
      <form class="toolbar" onSubmit={send}>
        <div class="field">
          <label for="try-agent">Agent</label>
          <select
            id="try-agent"
            value={target}
            onChange={(event) => {
              chosenNow.current = event.currentTarget.value
              setTarget(event.currentTarget.value)
            }}
          >
            {(fleet.data ?? []).map((agentId) => (
              <option key={agentId} value={agentId}>
                {agentId}
              </option>
            ))}
            <option value="(route)">Route: let the gateway choose</option>
          </select>
        </div>
        <div class="field">
          <label for="try-binding">Binding</label>
          <select
            id="try-binding"
            value={binding}
            onChange={(event) => setBinding(event.currentTarget.value as Binding)}
          >
            <option value="HTTP+JSON">HTTP+JSON (SSE)</option>
            <option value="JSONRPC">JSON-RPC</option>
          </select>
        </div>
        <div class="field grow">
          <label for="try-text">Message</label>
          <div class="inline">
            <input
              id="try-text"
              value={text}
              onInput={(event) => setText(event.currentTarget.value)}
              placeholder="What is 15% of 80?"
            />
            <button type="submit" class="primary">
              Send
            </button>
          </div>
        </div>
      </form>
      <label class="check">
        <input
          type="checkbox"
          checked={showRaw}
          onChange={(event) => setShowRaw(event.currentTarget.checked)}
        />{' '}
        Show the raw JSON of each event
      </label>
      <NoticeLine notice={notice} />
      <NoticeLine notice={fleet.error ? { kind: 'error', text: fleet.error } : undefined} />
      {fleet.data && fleet.data.length === 0 ? (
        <p>You may call no agent yet: ask an operator for a grant.</p>
      ) : null}
      {/* No live region around the events: a screen reader read each out as it came, and every
      raw JSON as it was shown. Each turn's status says how it ended, with the answer. */}
      <ol class="turns" data-testid="conversation">
        {turns.map((turn, index) => {
          const answer = turn.artifactText ?? turn.messageText ?? ''
          const count = turn.leftOut + turn.events.length
          return (
            <li key={index} class="turn">
              <p class="question">
                <strong>
                  You → {turn.target === '(route)' ? 'route' : turn.target} ({turn.binding}):
                </strong>{' '}
                {turn.question}
              </p>
              {turn.candidates ? (
                <div class="candidates">
                  <strong>Candidates:</strong>{' '}
                  {turn.candidates
                    .map((candidate) => `${candidate.agentId} (${candidate.score.toFixed(3)})`)
                    .join(', ') || 'none'}
                </div>
              ) : null}
              {turn.answeredBy ? (
                <p>
                  Answered by <code data-testid="answered-by">{turn.answeredBy}</code>
                </p>
              ) : null}
              {turn.leftOut ? (
                <p class="muted" data-testid="events-left-out">
                  {turn.leftOut} earlier event{turn.leftOut === 1 ? ' is' : 's are'} not listed:
                  only the last {listedEvents} are.
                </p>
              ) : null}
              <ul class="events">
                {turn.events.map((item, at) => (
                  <li key={turn.leftOut + at} class="event" data-kind={item.kind}>
                    <span class="kind">{item.kind}</span>
                    {item.state ? <Badge tone={stateTone(item.state)}>{item.state}</Badge> : null}{' '}
                    <span class="answer">{item.text}</span>
                    {showRaw ? (
                      <pre class="json">{plainText(JSON.stringify(item.raw, null, 2))}</pre>
                    ) : null}
                  </li>
                ))}
              </ul>
              {turn.error ? <NoticeLine notice={{ kind: 'error', text: turn.error }} /> : null}
              <div role="status">
                {turn.done && answer ? (
                  <p class="final">
                    <strong>Answer:</strong> <span data-testid="answer-text">{answer}</span>
                  </p>
                ) : null}
                {/* A refusal before any event opened no stream: its error says it all. */}
                {turn.done && turn.error && turn.events.length === 0 ? null : (
                  <p class="muted">
                    {turn.done
                      ? `Stream ended after ${count} event${count === 1 ? '' : 's'}${turn.state ? `; task ${turn.state}` : ''}.`
                      : 'Streaming…'}
                  </p>
                )}
              </div>
            </li>
          )
        })}
      </ol>
    </section>
  )
}
