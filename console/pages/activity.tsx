import { useState } from 'preact/hooks'
import type { AuditPage } from '../../lib/admin/audit-api.ts'
import { api } from '../api.ts'
import { Loading, NoticeLine, plainText, useLoad, when } from '../ui.tsx'

/**
 * Each changed leaf as `path: before → after`, as `plainText`: an agent's change holds its card,
 * its words and its keys.
 */
const differences = (
  before: unknown,
  after: unknown,
  path = '',
): { path: string; before: string; after: string }[] => {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
  // A creation or a deletion: each field against nothing.
  if (isObject(before) && (after === null || after === undefined))
    return differences(before, {}, path)
  if (isObject(after) && (before === null || before === undefined))
    return differences({}, after, path)
  if (isObject(before) && isObject(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].flatMap((key) =>
      differences(before[key], after[key], path ? `${path}.${key}` : key),
    )
  }
  const [left, right] = [JSON.stringify(before), JSON.stringify(after)]
  return left === right
    ? []
    : [
        {
          path: plainText(path || '(whole)'),
          before: plainText(left ?? '(none)'),
          after: plainText(right ?? '(none)'),
        },
      ]
}

export const ActivityPage = () => {
  const [agentId, setAgentId] = useState('')
  const [actor, setActor] = useState('')
  const [applied, setApplied] = useState({ agentId: '', actor: '' })
  const [cursors, setCursors] = useState<string[]>([])
  const query = new URLSearchParams({
    limit: '25',
    ...(applied.agentId ? { agentId: applied.agentId } : {}),
    ...(applied.actor ? { actor: applied.actor } : {}),
    ...(cursors.length ? { cursor: cursors[cursors.length - 1] as string } : {}),
  })
  const page = useLoad(() => api<AuditPage>('GET', `/admin/audit?${query}`), [query.toString()])

  return (
    <section>
      <h1>Activity</h1>
      <p class="muted">Every admin change, newest first: who, what, when, and what it changed.</p>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault()
          setCursors([])
          setApplied({ agentId, actor })
        }}
      >
        <div class="field">
          <label for="audit-agent">Agent</label>
          <input
            id="audit-agent"
            value={agentId}
            onInput={(event) => setAgentId(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="audit-actor">Actor</label>
          <input
            id="audit-actor"
            value={actor}
            onInput={(event) => setActor(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <span class="label-space" aria-hidden="true">
            &nbsp;
          </span>
          <button type="submit">Filter</button>
        </div>
      </form>
      <NoticeLine
        notice={
          page.error
            ? { kind: 'error', text: `The activity could not be read: ${page.error}` }
            : undefined
        }
      />
      {page.loading && !page.data ? <Loading what="activity" /> : null}
      {page.data && page.data.entries.length === 0 ? (
        <p>No change recorded{applied.agentId || applied.actor ? ' for this filter' : ''}.</p>
      ) : null}
      <ol class="entries" data-testid="activity">
        {(page.data?.entries ?? []).map((entry) => (
          <li
            class="card"
            key={entry.id}
            data-action={entry.action}
            data-target={entry.target}
            data-outcome={entry.outcome}
          >
            <p>
              <strong>{entry.action}</strong> of <code>{entry.target}</code> by{' '}
              <span data-testid="actor">{entry.actor}</span>
              {entry.clientId && entry.clientId !== entry.actor ? (
                <> (client {entry.clientId})</>
              ) : null}
            </p>
            <p class="muted">
              {when(entry.at)} · request <code>{entry.requestId}</code>
            </p>
            {entry.outcome === 'pending' ? (
              <p class="notice notice-warn">
                Not confirmed: the change was under way, or its outcome could not be recorded. It
                may or may not have been made; what it changed is not known.
              </p>
            ) : null}
            <details>
              <summary>What changed</summary>
              <table class="diff">
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Before</th>
                    <th scope="col">After</th>
                  </tr>
                </thead>
                <tbody>
                  {differences(entry.before, entry.after).map((change) => (
                    <tr key={change.path}>
                      <th scope="row">{change.path}</th>
                      <td class="removed">{change.before}</td>
                      <td class="added">{change.after}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </li>
        ))}
      </ol>
      <div class="actions">
        {cursors.length ? (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
        ) : null}
        {page.data?.cursor ? (
          <button
            type="button"
            onClick={() => setCursors([...cursors, page.data?.cursor as string])}
          >
            Older
          </button>
        ) : null}
      </div>
    </section>
  )
}
