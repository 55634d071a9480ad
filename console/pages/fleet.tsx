import { useEffect, useState } from 'preact/hooks'
import { mapConcurrently } from '../../lib/map-concurrently.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { allPages, api, authorization, messageOf, pathOf } from '../api.ts'
import { gatewayBase, type Session } from '../auth.ts'
import { Badge, Loading, NoticeLine, plainText, useLoad, when } from '../ui.tsx'

interface Card {
  name?: string
  description?: string
  version?: string
  skills?: { id: string; name?: string; description?: string; examples?: string[] }[]
  supportedInterfaces?: { protocolBinding?: string; protocolVersion?: string }[]
}

/** One agent as the fleet shows it: from the admin API for operators, from GET /agents otherwise. */
export interface FleetAgent {
  agentId: string
  card: Card
  record?: AgentRecord
}

interface SearchResult {
  agentId: string
  score: number
}

const healthEveryMs = 30_000

/**
 * Card checks under way at once. Each is a call through the gateway (its authorizer, the agents
 * function): a fleet of 300 checked all at once was 300 calls in one burst every 30 s for each
 * open page, on AWS as many concurrent Lambda invocations, shared with the callers' calls.
 */
const healthChecksAtOnce = 4

/**
 * The longest a card check may take, its answer read whole: past it the card counts as not served
 * (API Gateway answers within 29 s; this is a connection that stalled), and the check's place goes
 * to the next agent. Unbounded, four checks that never answered held every other agent's dot at
 * "checking…", and every later round with them.
 */
const healthCheckMs = 10_000

type Health = 'checking' | 'up' | 'down' | 'hidden'

/**
 * Whether the agent's card is served right now through the gateway: the live dot. `left` ends the
 * check when the page does.
 */
const checkHealth = async (agentId: string, left: AbortSignal): Promise<Health> => {
  // One controller and a timer of the page's own, not AbortSignal.any and .timeout: browsers
  // before 2024 lack `any`, and a test holds and moves the page's clock.
  const ended = new AbortController()
  const end = () => ended.abort()
  const timer = setTimeout(end, healthCheckMs)
  left.addEventListener('abort', end)
  try {
    const response = await fetch(
      `${gatewayBase}${pathOf`/agents/${agentId}/.well-known/agent-card.json`}`,
      { headers: { authorization: authorization() }, signal: ended.signal },
    )
    // Not granted to this person: the gateway keeps its card from them, which says nothing of its health.
    if (response.status === 401 || response.status === 403) return 'hidden'
    // Read whole, so a check ends when its answer does and the next one waits for it.
    await response.arrayBuffer()
    return response.ok ? 'up' : 'down'
  } catch {
    return 'down'
  } finally {
    clearTimeout(timer)
    left.removeEventListener('abort', end)
  }
}

const HealthDot = ({ health }: { health: Health | undefined }) => (
  <span class={`dot dot-${health ?? 'checking'}`} data-testid="health">
    {health === 'up'
      ? 'card served'
      : health === 'down'
        ? 'card not served'
        : health === 'hidden'
          ? 'not granted to you'
          : 'checking…'}
  </span>
)

export const loadFleet = async (session: Session): Promise<FleetAgent[]> => {
  // Both lists answer in pages: every page, the most a page holds at a time.
  if (session.isAdmin) {
    const records = await allPages<AgentRecord>('/admin/agents', 'agents', 100)
    return records
      .filter((record) => record.status !== 'deleting')
      .sort((a, b) => a.agentId.localeCompare(b.agentId))
      .map((record) => ({ agentId: record.agentId, card: record.card as Card, record }))
  }
  return allPages<FleetAgent>('/agents', 'agents', 50)
}

/** The bindings the agent's card declares: its words, shown as `plainText`. */
const bindingsOf = (agent: FleetAgent) =>
  plainText(
    [
      ...new Set(
        (agent.card.supportedInterfaces ?? []).map((face) =>
          `${face.protocolBinding ?? '?'} ${face.protocolVersion ?? ''}`.trim(),
        ),
      ),
    ].join(', '),
  ) ||
  (agent.record
    ? `${Object.keys(agent.record.endpoints).join(', ')} ${agent.record.protocolVersion}`
    : '—')

export const FleetPage = ({ session }: { session: Session }) => {
  const fleet = useLoad(() => loadFleet(session))
  const [filter, setFilter] = useState('')
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<SearchResult[] | undefined>()
  const [searchError, setSearchError] = useState<string>()
  const [health, setHealth] = useState<Record<string, Health>>({})

  // Live: checked when the fleet loads, and again every 30 s while the page is open, a few at a
  // time; a round still under way when the next is due is left to finish.
  useEffect(() => {
    const left = new AbortController()
    let checking = false
    const checkAll = async () => {
      if (checking) return
      checking = true
      await mapConcurrently(fleet.data ?? [], healthChecksAtOnce, async (agent) => {
        if (left.signal.aborted) return
        const state = await checkHealth(agent.agentId, left.signal)
        if (!left.signal.aborted) setHealth((previous) => ({ ...previous, [agent.agentId]: state }))
      })
      checking = false
    }
    void checkAll()
    const timer = setInterval(checkAll, healthEveryMs)
    return () => {
      left.abort()
      clearInterval(timer)
    }
  }, [fleet.data])

  const search = async (event: Event) => {
    event.preventDefault()
    setSearchError(undefined)
    if (!query.trim()) return setResults(undefined)
    try {
      const answer = await api<{ results: SearchResult[] }>('POST', '/search', { query })
      setResults(answer.results)
    } catch (error) {
      setSearchError(messageOf(error))
    }
  }

  const agents = fleet.data ?? []
  const byId = new Map(agents.map((agent) => [agent.agentId, agent]))
  const shown = results
    ? results.flatMap((result) => {
        const agent = byId.get(result.agentId)
        return agent ? [{ agent, score: result.score }] : []
      })
    : agents
        .filter((agent) =>
          `${agent.agentId} ${agent.card.name ?? ''} ${agent.record?.status ?? ''}`
            .toLowerCase()
            .includes(filter.toLowerCase()),
        )
        .map((agent) => ({ agent, score: undefined }))

  return (
    <section>
      <h1>Fleet</h1>
      <div class="toolbar">
        <div class="field">
          <label for="filter">Filter by name, id or status</label>
          <input
            id="filter"
            value={filter}
            onInput={(event) => setFilter(event.currentTarget.value)}
            placeholder="weather"
          />
        </div>
        <form class="field grow" onSubmit={search}>
          <label for="search">Search by meaning</label>
          <div class="inline">
            <input
              id="search"
              value={query}
              onInput={(event) => setQuery(event.currentTarget.value)}
              placeholder="percentage of a number"
            />
            <button type="submit">Search</button>
            {results ? (
              <button
                type="button"
                onClick={() => {
                  setResults(undefined)
                  setQuery('')
                }}
              >
                Clear
              </button>
            ) : null}
          </div>
        </form>
      </div>
      {/* How many agents the filter leaves, said politely as it changes: the region is always
      there, empty without a filter, since one added with its words may not be read out. */}
      <p class="muted fleet-count" role="status" data-testid="fleet-count">
        {filter && !results && fleet.data
          ? `${shown.length} of ${agents.length} agent${agents.length === 1 ? '' : 's'}`
          : ''}
      </p>
      <NoticeLine notice={searchError ? { kind: 'error', text: searchError } : undefined} />
      {results ? (
        <p class="muted" role="status">
          {results.length} agent{results.length === 1 ? '' : 's'} ranked by how closely each matches
          “{query}”, closest first (a score near or below 0 is no match).
        </p>
      ) : null}
      {fleet.loading && !fleet.data ? <Loading what="the fleet" /> : null}
      <NoticeLine notice={fleet.error ? { kind: 'error', text: fleet.error } : undefined} />
      {fleet.data && shown.length === 0 ? <p>No agent to show.</p> : null}
      <ul class="cards" data-testid="fleet">
        {shown.map(({ agent, score }) => (
          <li class="card" key={agent.agentId} data-agent={agent.agentId}>
            <div class="card-head">
              <h2>
                {session.isAdmin ? (
                  <a href={`#/agents/${agent.agentId}`}>
                    {plainText(agent.card.name ?? agent.agentId)}
                  </a>
                ) : (
                  plainText(agent.card.name ?? agent.agentId)
                )}
                {/* A card names itself: the id, the gateway's, tells two "Weather" cards apart. */}
                {agent.card.name &&
                agent.card.name.toLowerCase() !== agent.agentId.toLowerCase() ? (
                  <small class="muted"> {agent.agentId}</small>
                ) : null}
              </h2>
              <HealthDot health={health[agent.agentId]} />
            </div>
            <dl class="facts">
              <dt>Id</dt>
              <dd>
                <code>{agent.agentId}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                {agent.record ? (
                  <Badge tone={agent.record.status === 'active' ? 'good' : 'neutral'}>
                    {agent.record.status}
                  </Badge>
                ) : (
                  <Badge tone="good">active</Badge>
                )}
              </dd>
              <dt>Bindings</dt>
              <dd>{bindingsOf(agent)}</dd>
              <dt>Skills</dt>
              <dd>
                {plainText(
                  (agent.card.skills ?? []).map((skill) => skill.name ?? skill.id).join(', '),
                ) || '—'}
              </dd>
              {agent.record ? (
                <>
                  <dt>Indexed</dt>
                  <dd>
                    {agent.record.indexed === false ? (
                      <Badge tone="warn">not indexed</Badge>
                    ) : (
                      <Badge tone="good">indexed</Badge>
                    )}
                  </dd>
                  {/* What the record holds: its last change (a sync, an edit, a deactivation),
                  not when its card was last read. */}
                  <dt>Last changed</dt>
                  <dd>{when(agent.record.updatedAt)}</dd>
                </>
              ) : null}
              {score !== undefined ? (
                <>
                  <dt>Score</dt>
                  <dd data-testid="score">{score.toFixed(3)}</dd>
                </>
              ) : null}
            </dl>
            <p class="actions">
              {/* Named after its agent, as each card has one: a screen reader's list of links
              read "Try it" once a card. The id, the gateway's, tells two "Weather" cards apart. */}
              <a
                class="button"
                href={`#/try/${agent.agentId}`}
                aria-label={`Try it with ${agent.agentId}`}
              >
                Try it
              </a>
            </p>
          </li>
        ))}
      </ul>
    </section>
  )
}
