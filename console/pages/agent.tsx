import { useState } from 'preact/hooks'
import { parseJson } from '../../lib/json-parse.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { ApiError, api, authorization, messageOf, pathOf, versioned } from '../api.ts'
import { gatewayBase } from '../auth.ts'
import {
  Badge,
  BusyButton,
  Confirm,
  Loading,
  type Notice,
  NoticeLine,
  plainText,
  useLoad,
  when,
} from '../ui.tsx'

interface Skill {
  id: string
  name?: string
  description?: string
  tags?: string[]
  examples?: string[]
}

/** Never a secret's value on screen: anything named like one is masked (ARNs only name it). */
const masked = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(masked)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        /secret|password|apikey|token$/i.test(key) && !/arn$|owned$/i.test(key)
          ? '••••••'
          : masked(inner),
      ]),
    )
  }
  return value
}

type Card = { name?: string; description?: string; version?: string; skills?: Skill[] }

/** The card as the gateway serves it (rewritten: its URLs and security the gateway's). */
const servedCard = async (agentId: string): Promise<Card | undefined> => {
  const response = await fetch(
    `${gatewayBase}${pathOf`/agents/${agentId}/.well-known/agent-card.json`}`,
    {
      headers: { authorization: authorization() },
    },
  )
  return response.ok ? (parseJson(await response.text()) as Card) : undefined
}

export const AgentPage = ({ agentId }: { agentId: string }) => {
  const agent = useLoad(async () => {
    // Its ETag goes back with each change made here: made only on the agent this page shows.
    const { value: record, etag } = await versioned<AgentRecord>(
      'GET',
      pathOf`/admin/agents/${agentId}`,
    )
    return { record, etag, served: await servedCard(agentId).catch(() => undefined) }
  }, [agentId])
  const [notice, setNotice] = useState<Notice>()
  const [busy, setBusy] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [deleted, setDeleted] = useState(false)
  /**
   * A delete of this page stopped half-way (503 `agent-delete-unfinished`): the agent is now
   * `deleting`, a version this page never shows and no other change can make, and the person
   * confirmed its delete, so the next one finishes it whatever that version (`If-Match: *`).
   * With the version shown, it was a 412 that then left the page with nothing to click.
   */
  const [deleteUnfinished, setDeleteUnfinished] = useState(false)

  const act = async (what: string, call: () => Promise<unknown>, after?: () => void) => {
    setBusy(true)
    setNotice(undefined)
    try {
      await call()
      setNotice({ kind: 'ok', text: what })
      if (after) after()
      else agent.reload()
    } catch (error) {
      const changed = error instanceof ApiError && error.status === 412
      // Someone else's change came first: the page shows it now, for this one to be made again.
      setNotice({
        kind: 'error',
        text: changed ? `${messageOf(error)} Their change is shown below.` : messageOf(error),
      })
      if (changed) agent.reload()
    } finally {
      setBusy(false)
    }
  }

  if (deleted) {
    return (
      <section>
        <h1>{agentId} deleted</h1>
        <NoticeLine notice={notice} />
        <a href="#/fleet">Back to the fleet</a>
      </section>
    )
  }
  if (agent.loading && !agent.data) return <Loading what={`agent ${agentId}`} />
  if (!agent.data) {
    return (
      <section>
        <h1>{agentId}</h1>
        <NoticeLine notice={{ kind: 'error', text: agent.error ?? 'Not found.' }} />
        <NoticeLine notice={notice} />
        <a href="#/fleet">Back to the fleet</a>
      </section>
    )
  }
  const { record, etag, served } = agent.data
  // Nothing is offered while the page reads the agent again (after a change, its own or another
  // admin's): an action then would go with the version before, and be refused as someone else's.
  const acting = busy || agent.loading
  const card = served ?? (record.card as Card)
  const active = record.status === 'active'
  const { card: _card, retiredSecretArns: _retired, ...config } = record

  return (
    <section>
      <p>
        <a href="#/fleet">← Fleet</a>
      </p>
      <h1>
        {plainText(card.name ?? record.agentId)}{' '}
        <Badge tone={active ? 'good' : 'neutral'}>{record.status}</Badge>
      </h1>
      {/* The record holds when it last changed (a sync, an edit, a deactivation), not when its card was read. */}
      <p class="muted">
        <code>{record.agentId}</code> · card version {plainText(card.version ?? '—')} · changed{' '}
        {when(record.updatedAt)}
      </p>
      <div class="actions">
        <BusyButton
          type="button"
          busy={acting}
          onClick={() =>
            act(`card of ${agentId} read again`, () =>
              api('POST', pathOf`/admin/agents/${agentId}/sync`, undefined, etag),
            )
          }
        >
          Sync card
        </BusyButton>
        <BusyButton
          type="button"
          busy={acting}
          onClick={() =>
            act(`${agentId} is now ${active ? 'inactive' : 'active'}`, () =>
              api(
                'PATCH',
                pathOf`/admin/agents/${agentId}`,
                { status: active ? 'inactive' : 'active' },
                etag,
              ),
            )
          }
        >
          {active ? 'Deactivate' : 'Activate'}
        </BusyButton>
        <a class="button" href={`#/register/${agentId}`}>
          Edit
        </a>
        <BusyButton type="button" class="danger" busy={acting} onClick={() => setConfirming(true)}>
          Delete
        </BusyButton>
      </div>
      {confirming ? (
        <Confirm
          question={`Delete agent ${agentId}? Callers lose it at once, and it is taken out of every permission (one left with no agent is removed).`}
          expected={agentId}
          action={`Delete ${agentId}`}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false)
            act(
              `${agentId} deleted`,
              () =>
                api(
                  'DELETE',
                  pathOf`/admin/agents/${agentId}`,
                  undefined,
                  deleteUnfinished ? '*' : etag,
                ).catch((error: unknown) => {
                  if (error instanceof ApiError && error.code === 'agent-delete-unfinished') {
                    setDeleteUnfinished(true)
                  }
                  throw error
                }),
              () => setDeleted(true),
            )
          }}
        />
      ) : null}
      <NoticeLine notice={notice} />
      <div class="columns">
        <div>
          <h2>Card</h2>
          <p class="muted">
            {served
              ? 'As the gateway serves it to callers (rewritten).'
              : 'As the backend serves it: the gateway serves no card for it to you now (inactive, or not granted to you).'}
          </p>
          <p>{plainText(card.description ?? '')}</p>
          <h3>Skills</h3>
          <ul class="skills">
            {(card.skills ?? []).map((skill) => (
              <li key={skill.id}>
                <strong>{plainText(skill.name ?? skill.id)}</strong>
                {skill.description ? <p>{plainText(skill.description)}</p> : null}
                {skill.examples?.length ? (
                  <ul
                    class="examples"
                    aria-label={`Examples for ${plainText(skill.name ?? skill.id)}`}
                  >
                    {skill.examples.map((example) => (
                      <li key={example}>
                        <q>{plainText(example)}</q>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h2>Configuration</h2>
          <p class="muted">Secrets are never shown: only where they are kept.</p>
          {/* As plainText: its endpoints are the card's URLs as the card wrote them. */}
          <pre class="json" data-testid="config">
            {plainText(JSON.stringify(masked(config), null, 2))}
          </pre>
        </div>
      </div>
    </section>
  )
}
