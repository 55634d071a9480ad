import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import type { ScopeDefinition as Scope } from '../../lib/callers/caller-registry.ts'
import { scopeSchema } from '../../lib/ids.ts'
import type { Permission } from '../../lib/permissions/permission.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { ApiError, allPages, api, messageOf, noneYet, pathOf } from '../api.ts'
import {
  Confirm,
  Field,
  filterLeaves,
  focusFirstField,
  Loading,
  type Notice,
  NoticeLine,
  useLoad,
} from '../ui.tsx'
import { agentsCounted } from './fleet.tsx'

/** A permission as the list shows it: its `etag`, the version to send back as If-Match. */
type Shown = Permission & { etag: string }

/** What a 412 adds on this page: where to see the other change, and what becomes of the typing. */
const seeTheirs =
  'Cancel to see the permission as it is now; what you typed here stays until you do.'

/** What a 412 naming no version adds: the permission is gone, and how to have it back. */
const definedAgain =
  'Save again to define it anew with what you typed here, or Cancel to leave it removed.'

/** Agents a permission's card names before "and N more": a line or two at 1280 wide. */
const agentsNamedFirst = 6

/**
 * Agent ids, comma-separated, each kept whole on a line (with its comma) unless it is wider than
 * the line: at 320 px a card broke them at their "-", "fleet-" on one line and "000" on the next.
 */
const AgentIds = ({ agents }: { agents: string[] }) => (
  <>
    {agents.map((agentId, at) => (
      // By place too: a permission may name an agent twice (its schema allows it), and keys must differ.
      <Fragment key={`${at} ${agentId}`}>
        {at > 0 ? ' ' : null}
        <span class="agent-id">
          {agentId}
          {at < agents.length - 1 ? ',' : null}
        </span>
      </Fragment>
    ))}
  </>
)

/**
 * The agents a permission grants, the first few and "and N more" that opens onto the rest: a
 * permission of 300 agents was a column of 100 lines in its card. A list a little longer than the
 * few is named whole ("and 1 more" would hide no more than it takes).
 */
const AgentsGranted = ({ scope, agents }: { scope: string; agents: string[] }) => {
  if (agents.length <= agentsNamedFirst + 2) return <AgentIds agents={agents} />
  const rest = agents.length - agentsNamedFirst
  return (
    <>
      <AgentIds agents={agents.slice(0, agentsNamedFirst)} />
      {/* A disclosure of the browser's own: Enter or Space opens it, and it says whether it is open. */}
      <details class="more">
        {/* Named after its scope too, as each card may have one (the words shown first). */}
        <summary aria-label={`and ${rest} more agents of ${scope}`}>and {rest} more</summary>
        <AgentIds agents={agents.slice(agentsNamedFirst)} />
      </details>
    </>
  )
}

/** A long list of agents in a sentence: the first few and how many more. */
const agentsInShort = (agents: string[]) =>
  agents.length <= agentsNamedFirst + 2
    ? agents.join(', ')
    : `${agents.slice(0, agentsNamedFirst).join(', ')} and ${agents.length - agentsNamedFirst} more`

/** An agent the form offers: its id, and its card's name to find it by. */
interface AgentChoice {
  agentId: string
  name?: string | undefined
}

/**
 * Agents offered before the form offers a filter over them and a view of only the chosen: a
 * screenful of checkboxes. A handful needs neither, and the first field stays the first agent.
 */
const agentsBeforeFilter = 12

/**
 * The agents a permission grants, one checkbox each, and with a long fleet a filter over them (by
 * id or name, as the Fleet's) and a view of only the chosen: 300 agents were a grid of 300
 * checkboxes, and which were checked could be told only by reading them all. An agent checked and
 * then filtered out stays checked; how many are chosen is said politely as it changes.
 */
const AgentPicker = ({
  agents,
  chosen,
  error,
  onChange,
}: {
  agents: AgentChoice[]
  chosen: string[]
  error: string | undefined
  onChange: (chosen: string[]) => void
}) => {
  const [filter, setFilter] = useState('')
  /**
   * While only the chosen are shown, those chosen as the view was asked for: one unchecked there
   * stays shown, unchecked, so the keyboard's focus stays on it (gone, it fell to the page's body).
   */
  const [onlyChosen, setOnlyChosen] = useState<Set<string>>()
  const filtering = agents.length > agentsBeforeFilter
  const isChosen = new Set(chosen)
  const shown = filtering
    ? agents.filter(
        ({ agentId, name }) =>
          (!onlyChosen || onlyChosen.has(agentId) || isChosen.has(agentId)) &&
          filterLeaves([agentId, name], filter),
      )
    : agents
  const narrowed = shown.length < agents.length
  return (
    <fieldset class={error ? 'field-invalid' : ''} aria-describedby="agents-chosen">
      <legend>Agents it may call</legend>
      {filtering ? (
        <div class="toolbar">
          <div class="field">
            <label for="agent-filter">Filter agents by id or name</label>
            <input
              id="agent-filter"
              value={filter}
              autocomplete="off"
              onInput={(event) => setFilter(event.currentTarget.value)}
              // Enter here narrows the list, never sends the form half-chosen.
              onKeyDown={(event) => {
                if (event.key === 'Enter') event.preventDefault()
              }}
              placeholder="weather"
            />
          </div>
          <label class="check">
            <input
              type="checkbox"
              checked={onlyChosen !== undefined}
              onChange={(event) =>
                setOnlyChosen(event.currentTarget.checked ? new Set(chosen) : undefined)
              }
            />{' '}
            Show only the chosen agents
          </label>
        </div>
      ) : null}
      <p class="muted agents-chosen" id="agents-chosen" role="status">
        {`${new Set(chosen).size} of ${agentsCounted(agents.length)} chosen`}
        {narrowed ? `, ${shown.length} shown` : ''}
      </p>
      <div class="checks">
        {shown.map(({ agentId }) => (
          <label key={agentId} class="check">
            <input
              type="checkbox"
              name="agents"
              value={agentId}
              checked={isChosen.has(agentId)}
              onChange={(event) =>
                onChange(
                  event.currentTarget.checked
                    ? [...chosen, agentId]
                    : chosen.filter((candidate) => candidate !== agentId),
                )
              }
            />{' '}
            {agentId}
          </label>
        ))}
      </div>
      {shown.length === 0 ? (
        <p class="muted">
          {/* Only the chosen shown, none chosen: no filter was typed for nothing to match. */}
          {onlyChosen && onlyChosen.size === 0 && chosen.length === 0
            ? 'No agent is chosen yet.'
            : 'No agent matches.'}
        </p>
      ) : null}
      {error ? (
        <small class="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </fieldset>
  )
}

interface Draft {
  scope: string
  agents: string[]
  operations: string
  requestsPerMinute: string
  agentLimits: string
  taskAccess: string
}

const draftOf = (permission?: Permission): Draft => ({
  scope: permission?.scope ?? '',
  agents: permission?.agents ?? [],
  operations: permission?.operations?.join(' ') ?? '',
  requestsPerMinute: permission?.requestsPerMinute ? String(permission.requestsPerMinute) : '',
  agentLimits: Object.entries(permission?.agentLimits ?? {})
    .map(([agent, limit]) => `${agent}=${limit}`)
    .join(' '),
  taskAccess: permission?.taskAccess ?? '',
})

const bodyOf = (draft: Draft) => ({
  agents: draft.agents,
  ...(draft.operations ? { operations: draft.operations.split(/[\s,]+/).filter(Boolean) } : {}),
  ...(draft.requestsPerMinute ? { requestsPerMinute: Number(draft.requestsPerMinute) } : {}),
  ...(draft.agentLimits
    ? {
        agentLimits: Object.fromEntries(
          draft.agentLimits
            .split(/[\s,]+/)
            .filter(Boolean)
            .map((pair) => {
              const [agent, limit] = pair.split('=')
              return [agent, Number(limit)]
            }),
        ),
      }
    : {}),
  ...(draft.taskAccess ? { taskAccess: draft.taskAccess } : {}),
})

/** A draft's words as the gateway reads them: operations and limits split, in no order. */
const wordsOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .filter(Boolean)
    .sort()
    .join(' ')

/**
 * What a save changed, in words: the agents added and removed (a long list short, as a card says
 * it), then each other field changed, as it now is. A permission of 100 agents saved with one more
 * was said as its first six, which named neither the one added nor any removed.
 */
const changesSaid = (before: Draft, after: Draft): string[] => {
  const was = new Set(before.agents)
  const is = new Set(after.agents)
  const added = [...is].filter((agentId) => !was.has(agentId))
  const removed = [...was].filter((agentId) => !is.has(agentId))
  const changes: string[] = []
  if (added.length > 0) changes.push(`${agentsInShort(added)} added`)
  if (removed.length > 0) changes.push(`${agentsInShort(removed)} removed`)
  if (wordsOf(before.operations) !== wordsOf(after.operations)) {
    changes.push(`operations now ${wordsOf(after.operations).split(' ').join(', ') || 'all'}`)
  }
  if (before.requestsPerMinute.trim() !== after.requestsPerMinute.trim()) {
    changes.push(
      `limit now ${after.requestsPerMinute.trim() ? `${after.requestsPerMinute.trim()}/min` : 'the default'}`,
    )
  }
  if (wordsOf(before.agentLimits) !== wordsOf(after.agentLimits)) {
    changes.push(
      `per-agent limits now ${wordsOf(after.agentLimits).split(' ').join(', ') || 'none'}`,
    )
  }
  if ((before.taskAccess || 'own') !== (after.taskAccess || 'own')) {
    changes.push(
      `holders now read ${after.taskAccess === 'all' ? "everyone's" : 'their own'} tasks`,
    )
  }
  return changes
}

/**
 * A permission's form. A new permission may name a scope not defined yet
 * (`/admin/scopes`, which refuses a permission for an unknown scope with a 422):
 * the form then asks for the scope's description and defines it first.
 */
const Editor = ({
  initial,
  etag,
  isNew,
  agents,
  scopes,
  onScopeDefined,
  onSaved,
  onChanged,
  onCancel,
}: {
  initial: Draft
  /** The version the form was filled from (an existing permission's): saved only over it. */
  etag?: string | undefined
  isNew: boolean
  agents: AgentChoice[]
  /** The defined scopes; undefined while unknown (the gateway's 422 then says). */
  scopes: Scope[] | undefined
  onScopeDefined: () => void
  onSaved: (text: string) => void
  /** Another admin's change came first: the list is read again as the form closes, to show it. */
  onChanged: () => void
  onCancel: () => void
}) => {
  const [draft, setDraft] = useState(initial)
  // As it was when the form opened, never the list's newer one: a save over another admin's change
  // the form never showed is a 412, and stays one until the form is opened again. Once the
  // permission is found removed, none: the person was told, and a Save defines it anew.
  const [version, setVersion] = useState(etag)
  /** A save was refused as someone else's change came first: Cancel reads the list again. */
  const [stale, setStale] = useState(false)
  const [description, setDescription] = useState('')
  /** The scope the gateway said is not defined (when the list was not known or was stale). */
  const [refusedScope, setRefusedScope] = useState<string>()
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [notice, setNotice] = useState<Notice>()
  // From the draft as it is when the update applies (autofill sets several fields at once).
  const set = (field: keyof Draft) => (event: Event) => {
    const { value } = event.currentTarget as HTMLInputElement
    setDraft((current) => ({ ...current, [field]: value }))
  }
  const scopeValid = scopeSchema.safeParse(draft.scope).success
  const toDefine =
    isNew &&
    scopeValid &&
    (refusedScope === draft.scope ||
      (scopes !== undefined && !scopes.some(({ scope }) => scope === draft.scope)))

  const save = async (event: Event) => {
    event.preventDefault()
    const problems: Record<string, string> = {}
    const scope = scopeSchema.safeParse(draft.scope)
    if (!scope.success) problems.scope = scope.error.issues[0]?.message ?? 'invalid scope'
    if (toDefine && !description.trim()) {
      problems.scopeDescription = `must say what ${draft.scope} is for: it is defined with this permission`
    }
    if (draft.agents.length === 0) problems.agents = 'must name at least one agent'
    setErrors(problems)
    if (Object.keys(problems).length > 0) {
      return setNotice({ kind: 'error', text: 'Fix the fields marked below.' })
    }
    let defined = false
    try {
      if (toDefine) {
        await api('PUT', pathOf`/admin/scopes/${draft.scope}`, {
          description: description.trim(),
        }).catch((error: unknown) => {
          // The scope's own problems belong beside its description.
          if (error instanceof ApiError && error.fields.description) {
            throw new ApiError(error.message, error.status, {
              scopeDescription: error.fields.description,
            })
          }
          throw error
        })
        defined = true
        onScopeDefined()
      }
      // An Add, or one defined anew once found removed (no version now), is made only where the
      // scope has no permission yet: never over another admin's (one added back since the 412
      // was written over, unseen).
      await api('PUT', pathOf`/admin/permissions/${draft.scope}`, bodyOf(draft), version ?? noneYet)
      // A new one is said whole, as is one defined anew once found removed (no version now):
      // nothing of it was there to change. A change by what it changed (unchanged, by what it grants).
      const anew = isNew || version === undefined
      const changes = anew ? [] : changesSaid(initial, draft)
      onSaved(
        `${draft.scope} ${anew ? 'added' : 'saved'}: ${changes.length > 0 ? changes.join('; ') : `it grants ${agentsInShort(draft.agents)}`}.${defined ? ` The scope ${draft.scope} is now defined.` : ''}`,
      )
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unknown-scope') {
        // Not defined after all (the list was stale): say so beside the scope, and offer to.
        setRefusedScope(draft.scope)
        setErrors({
          scope: `${error.message} Describe it below to define it with this permission.`,
        })
        return setNotice({ kind: 'error', text: `${draft.scope} is not a defined scope.` })
      }
      setErrors(error instanceof ApiError ? error.fields : {})
      const changed = error instanceof ApiError && error.status === 412
      // Removed since (no version now): the list is not read again yet, as it would take this
      // form, what was typed and this notice off the page with the permission's card.
      const removed = changed && error.currentEtag === undefined
      setNotice({
        kind: 'error',
        text: defined
          ? `The scope ${draft.scope} is now defined, but the permission was not saved: ${messageOf(error)}`
          : changed
            ? `${messageOf(error)} ${removed ? definedAgain : seeTheirs}`
            : messageOf(error),
      })
      if (removed) setVersion(undefined)
      if (changed) setStale(true)
    }
  }

  return (
    <form
      class="form editor"
      ref={focusFirstField}
      onSubmit={save}
      noValidate
      aria-label={`Permission ${draft.scope || 'new'}`}
    >
      <NoticeLine notice={notice} />
      <Field
        id="scope"
        label="Scope"
        error={errors.scope}
        hint="The OAuth scope this grants to (e.g. stocks:invoke): a defined one, or a new one."
      >
        <input
          id="scope"
          value={draft.scope}
          onInput={set('scope')}
          readOnly={!isNew}
          list={isNew ? 'defined-scopes' : undefined}
          autocomplete="off"
        />
      </Field>
      {isNew ? (
        <datalist id="defined-scopes">
          {(scopes ?? []).map(({ scope, description }) => (
            <option key={scope} value={scope}>
              {description}
            </option>
          ))}
        </datalist>
      ) : null}
      {toDefine ? (
        <Field
          id="scopeDescription"
          label={`Description of the new scope ${draft.scope}`}
          error={errors.scopeDescription}
          hint={`${draft.scope} is not defined yet: adding the permission defines it first (PUT /admin/scopes), so callers can be given it.`}
        >
          <input
            id="scopeDescription"
            value={description}
            onInput={(event) => setDescription(event.currentTarget.value)}
            placeholder="e.g. Call the stocks agent"
          />
        </Field>
      ) : null}
      <AgentPicker
        agents={agents}
        chosen={draft.agents}
        error={errors.agents}
        onChange={(chosen) => setDraft((current) => ({ ...current, agents: chosen }))}
      />
      <Field
        id="operations"
        label="Operations (space-separated; empty: all)"
        error={errors.operations}
      >
        <input
          id="operations"
          value={draft.operations}
          onInput={set('operations')}
          placeholder="SendMessage GetTask"
        />
      </Field>
      <Field
        id="requestsPerMinute"
        label="Requests per minute (empty: the gateway's default)"
        error={errors.requestsPerMinute}
      >
        <input
          id="requestsPerMinute"
          inputMode="numeric"
          value={draft.requestsPerMinute}
          onInput={set('requestsPerMinute')}
        />
      </Field>
      <Field
        id="agentLimits"
        label="Per-agent limits (agent=n, space-separated)"
        error={errors.agentLimits}
      >
        <input
          id="agentLimits"
          value={draft.agentLimits}
          onInput={set('agentLimits')}
          placeholder="weather=30"
        />
      </Field>
      <Field id="taskAccess" label="Whose tasks holders may read" error={errors.taskAccess}>
        <select id="taskAccess" value={draft.taskAccess} onChange={set('taskAccess')}>
          <option value="">their own (default)</option>
          <option value="own">their own</option>
          <option value="all">everyone's (auditors)</option>
        </select>
      </Field>
      <div class="actions">
        <button type="submit" class="primary">
          {isNew ? 'Add permission' : 'Save'}
        </button>
        <button
          type="button"
          onClick={() => {
            if (stale) onChanged()
            onCancel()
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  )
}

export const PermissionsPage = () => {
  // Each page is sorted, not the pages (the table's order): the list is sorted once it is whole.
  const permissions = useLoad(async () => ({
    permissions: (await allPages<Shown>('/admin/permissions', 'permissions', 100)).sort((a, b) =>
      a.scope.localeCompare(b.scope),
    ),
  }))
  // Each page is sorted, not the pages (the table's order): the fleet is sorted once it is whole.
  const agents = useLoad(async () => ({
    agents: (await allPages<AgentRecord>('/admin/agents', 'agents', 100)).sort((a, b) =>
      a.agentId.localeCompare(b.agentId),
    ),
  }))
  const scopes = useLoad(() => api<{ scopes: Scope[] }>('GET', '/admin/scopes'))
  const definedScopes = scopes.data?.scopes
  const [editing, setEditing] = useState<string | 'new' | undefined>()
  const [removing, setRemoving] = useState<string>()
  const [notice, setNotice] = useState<Notice>()
  const offered: AgentChoice[] = (agents.data?.agents ?? [])
    .filter((record) => record.status !== 'deleting')
    .map((record) => ({
      agentId: record.agentId,
      name: (record.card as { name?: string } | undefined)?.name,
    }))
  /** Those offered, and any other the permission names (one since removed, say): all to keep or drop. */
  const offeredWith = (named: string[]): AgentChoice[] => {
    const known = new Set(offered.map(({ agentId }) => agentId))
    return [
      ...offered,
      ...[...new Set(named)]
        .filter((agentId) => !known.has(agentId))
        .map((agentId) => ({ agentId })),
    ]
  }

  const saved = (text: string) => {
    setEditing(undefined)
    setNotice({ kind: 'ok', text })
    permissions.reload()
  }

  /** Removed only at the version shown: another admin's change since is a 412, then shown. */
  const remove = async ({ scope, etag }: Shown) => {
    setRemoving(undefined)
    try {
      await api('DELETE', pathOf`/admin/permissions/${scope}`, undefined, etag)
      saved(`${scope} removed: its holders reach no agent through it.`)
    } catch (error) {
      const changed = error instanceof ApiError && error.status === 412
      setNotice({
        kind: 'error',
        text: !changed
          ? messageOf(error)
          : error.currentEtag === undefined
            ? messageOf(error)
            : `${messageOf(error)} It is shown below as it is now: remove it again if you still mean to.`,
      })
      if (changed) permissions.reload()
    }
  }

  return (
    <section>
      <h1>Permissions</h1>
      <p class="muted">What each scope's holders may call: agents, operations and limits.</p>
      <NoticeLine notice={notice} />
      <NoticeLine
        notice={permissions.error ? { kind: 'error', text: permissions.error } : undefined}
      />
      {editing === 'new' ? (
        <Editor
          initial={draftOf()}
          isNew
          agents={offered}
          scopes={definedScopes}
          onScopeDefined={scopes.reload}
          onSaved={saved}
          onChanged={permissions.reload}
          onCancel={() => setEditing(undefined)}
        />
      ) : (
        <p>
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            Add a permission
          </button>
        </p>
      )}
      {permissions.loading && !permissions.data ? <Loading what="permissions" /> : null}
      <ul class="cards">
        {(permissions.data?.permissions ?? []).map((permission) => (
          <li class="card" key={permission.scope} data-scope={permission.scope}>
            <h2>
              <code>{permission.scope}</code>
            </h2>
            {definedScopes ? (
              <p class="muted">
                {definedScopes.find(({ scope }) => scope === permission.scope)?.description ??
                  'Not a defined scope: no caller can get it in a token.'}
              </p>
            ) : null}
            {editing === permission.scope ? (
              <Editor
                initial={draftOf(permission)}
                etag={permission.etag}
                isNew={false}
                agents={offeredWith(permission.agents)}
                scopes={definedScopes}
                onScopeDefined={scopes.reload}
                onSaved={saved}
                onChanged={permissions.reload}
                onCancel={() => setEditing(undefined)}
              />
            ) : (
              <>
                <dl class="facts">
                  <dt>Agents</dt>
                  <dd>
                    <AgentsGranted scope={permission.scope} agents={permission.agents} />
                  </dd>
                  <dt>Operations</dt>
                  <dd>{permission.operations?.join(', ') ?? 'all'}</dd>
                  <dt>Limit</dt>
                  <dd>
                    {permission.requestsPerMinute
                      ? `${permission.requestsPerMinute}/min`
                      : 'default'}
                    {Object.keys(permission.agentLimits ?? {}).length > 0
                      ? `; ${Object.entries(permission.agentLimits ?? {})
                          .map(([agent, limit]) => `${agent} ${limit}/min`)
                          .join(', ')}`
                      : ''}
                  </dd>
                  <dt>Tasks</dt>
                  <dd>{permission.taskAccess === 'all' ? "everyone's" : 'own'}</dd>
                </dl>
                {/* Each card's buttons are named after its scope, as a screen reader lists them
                apart from the card ("Edit" each time); unlike the confirmation's "Remove …". */}
                <div class="actions">
                  <button
                    type="button"
                    aria-label={`Edit permission ${permission.scope}`}
                    onClick={() => setEditing(permission.scope)}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Remove permission ${permission.scope}`}
                    onClick={() => setRemoving(permission.scope)}
                  >
                    Remove
                  </button>
                </div>
                {removing === permission.scope ? (
                  <Confirm
                    question={`Remove the permission of ${permission.scope}? Its holders lose ${agentsInShort(permission.agents)} at once.`}
                    expected={permission.scope}
                    action={`Remove ${permission.scope}`}
                    onConfirm={() => remove(permission)}
                    onCancel={() => setRemoving(undefined)}
                  />
                ) : null}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
