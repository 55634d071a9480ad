import { useEffect, useRef, useState } from 'preact/hooks'
import { mapConcurrently } from '../../lib/map-concurrently.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { allPages, api, authorization, messageOf, pathOf } from '../api.ts'
import { gatewayBase, type Session } from '../auth.ts'
import {
  Badge,
  countSaid,
  filterLeaves,
  isFiltering,
  ListFilter,
  Loading,
  NoticeLine,
  Pager,
  pageOf,
  plainText,
  useLoad,
  when,
} from '../ui.tsx'

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

/** `1 agent`, `120 agents`. */
export const agentsCounted = (count: number) => `${count} agent${count === 1 ? '' : 's'}`

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

/** Where a person was in the Fleet: the page of cards and the filter that leaves them. */
interface FleetPlace {
  page: number
  filter: string
}

/**
 * The place the browser's history entry keeps, the start where it keeps none: Back from an agent
 * opened on page 9 showed page 1 and no filter. A Fleet asked for anew (its link) is a new entry,
 * so it starts from the first page.
 */
const placeKept = (): FleetPlace => {
  const kept = (history.state as { fleet?: Partial<FleetPlace> } | null)?.fleet
  return {
    page: Number.isSafeInteger(kept?.page) ? Math.max(0, kept?.page as number) : 0,
    filter: typeof kept?.filter === 'string' ? kept.filter : '',
  }
}

export const FleetPage = ({ session }: { session: Session }) => {
  const fleet = useLoad(() => loadFleet(session))
  const [kept] = useState(placeKept)
  const [filter, setFilter] = useState(kept.filter)
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<SearchResult[] | undefined>()
  const [searchError, setSearchError] = useState<string>()
  const [health, setHealth] = useState<Record<string, Health>>({})
  /** The page of cards shown, from 0; back to the first as the filter or the search changes. */
  const [page, setPage] = useState(kept.page)
  const topPager = useRef<HTMLElement>(null)
  useEffect(() => {
    const state = history.state as Record<string, unknown> | null
    try {
      history.replaceState({ ...state, fleet: { page, filter } satisfies FleetPlace }, '')
    } catch {
      // Safari refuses more than 100 in 30 s (a filter typed and wiped fast): Back then shows an
      // older place, where a throw from an effect would take the console's page down.
    }
  }, [page, filter])

  const agents = fleet.data ?? []
  const byId = new Map(agents.map((agent) => [agent.agentId, agent]))
  // The filter and the search read the whole fleet; a page shows a part of what they leave.
  const matching = results
    ? results.flatMap((result) => {
        const agent = byId.get(result.agentId)
        return agent ? [{ agent, score: result.score }] : []
      })
    : agents
        .filter((agent) =>
          filterLeaves([agent.agentId, agent.card.name, agent.record?.status], filter),
        )
        .map((agent) => ({ agent, score: undefined as number | undefined }))
  const paged = pageOf(matching, page)
  const { pages, shown, range } = paged
  /** The agents whose cards are on the page, one string so the checks restart only as it changes. */
  const shownIds = shown.map(({ agent }) => agent.agentId).join(' ')

  // Live: checked when the page of cards shows, and again every 30 s while the page is open, a few
  // at a time; a round still under way when the next is due is left to finish. Only the cards
  // shown: another page, or another filter, ends the round under way and checks its own.
  useEffect(() => {
    const left = new AbortController()
    const agentIds = shownIds ? shownIds.split(' ') : []
    let checking = false
    const checkAll = async () => {
      if (checking) return
      checking = true
      await mapConcurrently(agentIds, healthChecksAtOnce, async (agentId) => {
        if (left.signal.aborted) return
        const state = await checkHealth(agentId, left.signal)
        if (!left.signal.aborted) setHealth((previous) => ({ ...previous, [agentId]: state }))
      })
      checking = false
    }
    void checkAll()
    const timer = setInterval(checkAll, healthEveryMs)
    return () => {
      left.abort()
      clearInterval(timer)
    }
  }, [shownIds])

  const search = async (event: Event) => {
    event.preventDefault()
    setSearchError(undefined)
    setPage(0)
    if (!query.trim()) return setResults(undefined)
    try {
      const answer = await api<{ results: SearchResult[] }>('POST', '/search', { query })
      setResults(answer.results)
    } catch (error) {
      setSearchError(messageOf(error))
    }
  }

  return (
    <section>
      {/* The fleet's size, as the filter's count and the pages cannot say it when nothing is typed
      and everything fits on one page: with 300 agents, nothing said how many there were. */}
      <h1>
        Fleet
        {fleet.data ? (
          <small class="muted heading-count"> {agentsCounted(agents.length)}</small>
        ) : null}
      </h1>
      <div class="toolbar">
        <ListFilter
          id="filter"
          label="Filter by name, id or status"
          value={filter}
          onFilter={(text) => {
            setFilter(text)
            setPage(0)
          }}
        />
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
                  setPage(0)
                }}
              >
                Clear
              </button>
            ) : null}
          </div>
        </form>
      </div>
      {/* How many agents the filter leaves, and which of them the page shows, said politely as
      it changes (Next pressed is heard): the region is always there, empty while the heading says
      all (no filter, one page), since one added with its words may not be read out. */}
      <div class="list-bar">
        <p class="muted list-count" role="status" data-testid="fleet-count">
          {!fleet.data || results
            ? ''
            : countSaid(paged, matching.length, agentsCounted(agents.length), isFiltering(filter))}
        </p>
        {pages > 1 ? (
          <Pager
            page={paged.page}
            pages={pages}
            label="Pages of the fleet"
            onTurn={setPage}
            navRef={topPager}
          />
        ) : null}
      </div>
      <NoticeLine notice={searchError ? { kind: 'error', text: searchError } : undefined} />
      {results ? (
        <p class="muted" role="status">
          {results.length} agent{results.length === 1 ? '' : 's'} ranked by how closely each matches
          “{query}”, closest first (a score near or below 0 is no match)
          {pages > 1 ? `; showing ${range}` : ''}.
        </p>
      ) : null}
      {fleet.loading && !fleet.data ? <Loading what="the fleet" /> : null}
      <NoticeLine notice={fleet.error ? { kind: 'error', text: fleet.error } : undefined} />
      {fleet.data && matching.length === 0 ? <p>No agent to show.</p> : null}
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
                    {/* Deactivation takes its vectors out of the index: the record's `indexed`
                    says how its last embedding went, not that it is searched now. */}
                    {agent.record.status !== 'active' ? (
                      <Badge tone="neutral">not searched ({agent.record.status})</Badge>
                    ) : agent.record.indexed === false ? (
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
      {pages > 1 ? (
        <Pager
          page={paged.page}
          pages={pages}
          label="Pages of the fleet, below the cards"
          onTurn={setPage}
          above={topPager}
        />
      ) : null}
    </section>
  )
}
