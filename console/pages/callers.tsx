import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type {
  ShownClient as Client,
  ScopeDefinition as Scope,
} from '../../lib/callers/caller-registry.ts'
import { scopeSchema } from '../../lib/ids.ts'
import { ApiError, api, messageOf, pagesAsFarAsRead, pathOf } from '../api.ts'
import {
  Confirm,
  cardsPerPage,
  countSaid,
  Field,
  filterLeaves,
  focusFirstField,
  isFiltering,
  ListFilter,
  Loading,
  type Notice,
  NoticeLine,
  Pager,
  pageOf,
  toTheSecond,
  useLoad,
} from '../ui.tsx'

/** A secret shown once: a copy button and a warning that it will not be shown again. */
const SecretOnce = ({
  clientId,
  secret,
  onDone,
}: {
  clientId: string
  secret: string
  onDone: () => void
}) => {
  const [copied, setCopied] = useState<string>()
  // Shown above the list, far from the button that asked for it: the focus goes to it, and the
  // warning describes it, so a keyboard or screen reader user meets both at once.
  const field = useRef<HTMLInputElement>(null)
  useLayoutEffect(() => field.current?.focus(), [secret])
  return (
    <section class="secret" aria-label="New client secret">
      <p class="notice notice-warn" id="client-secret-warning">
        <strong>Copy it now: </strong>this is the only time the secret of <code>{clientId}</code> is
        shown. Nobody, not even an operator, can read it again; rotate it if it is lost.
      </p>
      <div class="inline">
        <input
          readOnly
          value={secret}
          id="client-secret"
          aria-label="Client secret"
          aria-describedby="client-secret-warning"
          data-testid="client-secret"
          ref={field}
        />
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(secret).then(
              () => setCopied('Copied to the clipboard.'),
              () => setCopied('The browser refused the clipboard: select the text and copy it.'),
            )
          }
        >
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
      {copied ? <p role="status">{copied}</p> : null}
    </section>
  )
}

/**
 * A checkbox a scope, each with its description shown below it and read with it: as a hover
 * title it reached neither a keyboard nor a screen reader. `idPrefix` keeps the descriptions'
 * ids apart where two lists are shown (the new caller's, a caller's own).
 */
const ScopeChecks = ({
  idPrefix,
  scopes,
  chosen,
  onChange,
}: {
  idPrefix: string
  scopes: Scope[]
  chosen: string[]
  onChange: (next: string[]) => void
}) => (
  <div class="checks scope-checks">
    {scopes.map(({ scope, description }) => {
      const describedBy = description ? `${idPrefix}-${scope}-description` : undefined
      return (
        <div key={scope}>
          <label class="check">
            <input
              type="checkbox"
              checked={chosen.includes(scope)}
              aria-describedby={describedBy}
              onChange={(event) =>
                onChange(
                  event.currentTarget.checked
                    ? [...chosen, scope]
                    : chosen.filter((item) => item !== scope),
                )
              }
            />{' '}
            {scope}
          </label>
          {description ? (
            <small class="muted" id={describedBy}>
              {description}
            </small>
          ) : null}
        </div>
      )
    })}
  </div>
)

/**
 * The scopes callers can be given (`/admin/scopes`): define one, change its
 * description, delete one nothing uses (the gateway names what still uses it).
 */
const ScopesSection = ({
  scopes,
  adminScope,
  onChanged,
  act,
}: {
  scopes: Scope[]
  /** The gateway's admin scope: offered for no delete, since the gateway keeps it. */
  adminScope: string
  onChanged: () => void
  act: (done: string, call: () => Promise<unknown>) => Promise<boolean>
}) => {
  const [scope, setScope] = useState('')
  const [description, setDescription] = useState('')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [editing, setEditing] = useState<Scope>()
  const [deleting, setDeleting] = useState<string>()
  /** Why the gateway refused to delete a scope (in use, the admin scope), said in its card. */
  const [refused, setRefused] = useState<{ scope: string; text: string }>()

  const define = async (event: Event) => {
    event.preventDefault()
    const problems: Record<string, string> = {}
    const parsed = scopeSchema.safeParse(scope)
    if (!parsed.success) problems.scope = parsed.error.issues[0]?.message ?? 'invalid scope'
    if (!description.trim()) problems.description = 'must say what the scope is for'
    setErrors(problems)
    if (Object.keys(problems).length > 0) return
    const done = await act(`scope ${scope} defined`, () =>
      api('PUT', pathOf`/admin/scopes/${scope}`, {
        description: description.trim(),
      }).catch((error: unknown) => {
        if (error instanceof ApiError) setErrors(error.fields)
        throw error
      }),
    )
    if (done) {
      setScope('')
      setDescription('')
      onChanged()
    }
  }

  return (
    <section class="scopes" aria-labelledby="scopes-heading">
      <h2 id="scopes-heading">Scopes</h2>
      <p class="muted">
        What a caller's token can carry. A permission grants a scope's holders agents (see
        Permissions).
      </p>
      <ul class="cards">
        {scopes.map((each) => (
          <li class="card" key={each.scope} data-scope={each.scope}>
            <h3>
              <code>{each.scope}</code>
            </h3>
            {editing?.scope === each.scope ? (
              <form
                class="editor"
                ref={focusFirstField}
                aria-label={`Description of ${each.scope}`}
                onSubmit={async (event) => {
                  event.preventDefault()
                  setEditing(undefined)
                  if (
                    await act(`description of ${each.scope} saved`, () =>
                      api('PUT', pathOf`/admin/scopes/${each.scope}`, {
                        description: editing.description?.trim() ?? '',
                      }),
                    )
                  ) {
                    onChanged()
                  }
                }}
              >
                <Field id={`description-${each.scope}`} label="Description">
                  <input
                    id={`description-${each.scope}`}
                    value={editing.description ?? ''}
                    onInput={(event) => {
                      const { value } = event.currentTarget
                      setEditing((current) => current && { ...current, description: value })
                    }}
                  />
                </Field>
                <div class="actions">
                  <button type="submit" class="primary">
                    Save description
                  </button>
                  <button type="button" onClick={() => setEditing(undefined)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <>
                <p>{each.description || <span class="muted">no description</span>}</p>
                <div class="actions">
                  <button
                    type="button"
                    aria-label={`Edit description of ${each.scope}`}
                    onClick={() => setEditing(each)}
                  >
                    Edit description
                  </button>
                  {each.scope === adminScope ? (
                    <span class="muted">The admin scope is kept: it cannot be deleted.</span>
                  ) : (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete scope ${each.scope}`}
                      onClick={() => setDeleting(each.scope)}
                    >
                      Delete scope
                    </button>
                  )}
                </div>
              </>
            )}
            {refused?.scope === each.scope ? (
              <p class="field-error" role="alert">
                {refused.text}
              </p>
            ) : null}
            {deleting === each.scope ? (
              <Confirm
                question={`Delete scope ${each.scope}? No token can carry it afterwards; the gateway refuses while a permission or a caller still uses it.`}
                expected={each.scope}
                action={`Delete ${each.scope}`}
                onCancel={() => setDeleting(undefined)}
                onConfirm={async () => {
                  setDeleting(undefined)
                  setRefused(undefined)
                  if (
                    await act(`scope ${each.scope} deleted`, () =>
                      api('DELETE', pathOf`/admin/scopes/${each.scope}`).catch((error: unknown) => {
                        setRefused({ scope: each.scope, text: messageOf(error) })
                        throw error
                      }),
                    )
                  ) {
                    onChanged()
                  }
                }}
              />
            ) : null}
          </li>
        ))}
      </ul>
      <form class="form" onSubmit={define} aria-label="New scope" noValidate>
        <h3>New scope</h3>
        <Field
          id="new-scope"
          label="Scope"
          error={errors.scope}
          hint="e.g. stocks:invoke; grant it agents in Permissions."
        >
          <input
            id="new-scope"
            value={scope}
            onInput={(event) => setScope(event.currentTarget.value)}
          />
        </Field>
        <Field id="new-scope-description" label="What it is for" error={errors.description}>
          <input
            id="new-scope-description"
            value={description}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="primary">
          Define scope
        </button>
      </form>
    </section>
  )
}

/** Callers' names as a person orders them: `bulk-2` before `bulk-10`, case aside. */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/** `1 caller`, `65 callers`. */
const callersCounted = (count: number) => `${count} caller${count === 1 ? '' : 's'}`

/** The id of a caller's card's heading, where the focus goes once its secret is stored. */
const cardHeadingId = (clientId: string) => `caller-${clientId}`

/** What `POST /admin/clients/{clientId}/revoke-tokens` answers. */
interface Revoked {
  clientId: string
  /** Tokens the client was issued before this moment (ISO time, a whole second) are refused. */
  tokensIssuedBefore: string
}

/**
 * The callers (`/admin/clients`) and their scopes. `consoleClientId` is the app client people
 * sign in to this console with: revoking its tokens signs every operator out, the reader too.
 */
export const CallersPage = ({
  consoleClientId,
  adminScope,
}: {
  consoleClientId: string
  adminScope: string
}) => {
  // Every page in turn: on AWS each is one of Cognito's pages of clients, described (60 at most).
  const clients = useLoad(async () => {
    const { items, unread } = await pagesAsFarAsRead<Client>('/admin/clients', 'clients', 60)
    return { clients: items, unread }
  })
  const scopes = useLoad(() => api<{ scopes: Scope[] }>('GET', '/admin/scopes'))
  const [notice, setNotice] = useState<Notice>()
  const [secret, setSecret] = useState<{ clientId: string; secret: string }>()
  const [name, setName] = useState('')
  const [chosen, setChosen] = useState<string[]>([])
  const [editing, setEditing] = useState<{ clientId: string; scopes: string[] }>()
  /** The client whose delete or token revocation awaits its confirmation (one at a time). */
  const [confirming, setConfirming] = useState<{
    clientId: string
    what: 'delete' | 'revoke' | 'rotate'
  }>()
  /** What is wrong with the new caller's fields (`name`, `scopes`), said beside them. */
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [filter, setFilter] = useState('')
  /**
   * The page of cards shown, from 0: back to the first as the filter changes, kept through a
   * change to a caller (its card stays where it was, or the next one takes its place).
   */
  const [page, setPage] = useState(0)
  const topPager = useRef<HTMLElement>(null)
  /** A caller just created, whose page is to be shown once the list holds it. */
  const [created, setCreated] = useState<string>()

  /**
   * The callers changed since the list was read, by id: as the gateway answered the change, or
   * read again alone (`GET /admin/clients/{clientId}`); `null` once deleted. Reading every page
   * again after each change was, on Cognito, a DescribeUserPoolClient for every caller.
   */
  const [changed, setChanged] = useState<Record<string, Client | null>>({})
  const mark = (clientId: string, client: Client | null) =>
    setChanged((current) => ({ ...current, [clientId]: client }))

  /**
   * The caller read again alone, after a change whose answer does not hold it or a refusal that
   * may have made it; gone on a 404. Not read (a throttled Cognito, say), its card stays as it
   * was, and the notice says so: it said only the change's outcome, over a card that may not
   * show it (scopes changed, then a 503 `tokens-not-revoked`: the card showed the old ones).
   */
  const readAgain = async (clientId: string) => {
    try {
      mark(clientId, await api<Client>('GET', pathOf`/admin/clients/${clientId}`))
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return mark(clientId, null)
      const unread = `${clientId} could not be read again (${messageOf(error)}): its card may not show what the gateway now holds; open the page again to see it.`
      setNotice((current) => current && { ...current, text: `${current.text} ${unread}` })
    }
  }

  /**
   * Runs one change and says what happened (`done`, or made of the answer); true when made.
   * `of` names the caller it changes and, from the answer, the caller as it now is (`null`:
   * deleted); where the answer does not hold it (a rotation's, a revocation's), it is read again.
   */
  const act = async <T,>(
    done: string | ((answer: T) => string),
    call: () => Promise<T>,
    of?: { clientId: string; after?: (answer: T) => Client | null },
  ) => {
    setNotice(undefined)
    try {
      const answer = await call()
      setNotice({ kind: 'ok', text: typeof done === 'string' ? done : done(answer) })
      if (of?.after) mark(of.clientId, of.after(answer))
      else if (of) await readAgain(of.clientId)
      return true
    } catch (error) {
      setNotice({ kind: 'error', text: messageOf(error) })
      // Some refusals say the change was made, or may have been (a 503 `tokens-not-revoked`
      // after a scope change): the caller is read again, so its card shows what the gateway holds.
      if (of) await readAgain(of.clientId)
      return false
    }
  }

  /**
   * The callers as read, with those changed since as they now are, and those created after, by
   * name (then id; `bulk-2` before `bulk-10`): where a fresh read shows them. Added at the end, one
   * created was shown last until the page was read again, then elsewhere; and in the gateway's
   * order (the local one's by client id, Cognito's its own) a caller was found only by reading all.
   */
  const read = clients.data?.clients ?? []
  const readIds = new Set(read.map(({ clientId }) => clientId))
  const callers = [
    ...read.map((client) => (client.clientId in changed ? changed[client.clientId] : client)),
    ...Object.entries(changed)
      .filter(([clientId]) => !readIds.has(clientId))
      .map(([, client]) => client),
  ]
    .filter((client): client is Client => client !== null && client !== undefined)
    .sort(
      (a, b) =>
        byName.compare(a.name, b.name) ||
        (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0),
    )

  // The filter reads every caller; a page shows a part of what it leaves.
  const filtering = isFiltering(filter)
  const matching = callers.filter((client) =>
    filterLeaves([client.name, client.clientId, ...client.scopes], filter),
  )
  const paged = pageOf(matching, page)

  // A caller created is shown on its page (by its name, it may sort onto any), so that its card is
  // seen and "I have stored it" can give it the focus; were the filter to leave it out, the filter
  // is emptied. A layout effect: the page before it is never painted.
  useLayoutEffect(() => {
    if (!created) return
    setCreated(undefined)
    let at = matching.findIndex(({ clientId }) => clientId === created)
    if (at < 0 && filter) {
      setFilter('')
      at = callers.findIndex(({ clientId }) => clientId === created)
    }
    if (at >= 0) setPage(Math.floor(at / cardsPerPage))
  }, [created])

  const create = (event: Event) => {
    event.preventDefault()
    // The gateway's rules (createClientSchema): a name, and at least one defined scope.
    const problems: Record<string, string> = {}
    if (!name.trim()) problems.name = 'must name the caller'
    if (chosen.length === 0) problems.scopes = 'must hold at least one scope'
    setErrors(problems)
    if (Object.keys(problems).length > 0) {
      return setNotice({ kind: 'error', text: 'Fix the fields marked below.' })
    }
    act(
      (created: Client) =>
        created.tokensRefused
          ? `caller ${created.name} created, but the gateway refuses its tokens until ${created.clientId} is added to extra_allowed_client_ids (it accepts only the callers its stack lists)`
          : `caller ${created.name} created`,
      async () => {
        const created = await api<Client & { clientSecret: string }>('POST', '/admin/clients', {
          name,
          scopes: chosen,
        }).catch((error: unknown) => {
          if (error instanceof ApiError) {
            setErrors(error.code === 'unknown-scope' ? { scopes: error.message } : error.fields)
          }
          throw error
        })
        setSecret({ clientId: created.clientId, secret: created.clientSecret })
        const { clientSecret: _shownOnce, ...client } = created
        mark(client.clientId, client)
        setCreated(client.clientId)
        setName('')
        setChosen([])
        return created
      },
    )
  }

  /** Offered for every caller, managed ones too: it changes no credential, it refuses tokens. */
  const revokeButton = (clientId: string) => (
    <button
      type="button"
      class="danger"
      aria-label={`Revoke tokens of caller ${clientId}`}
      onClick={() => setConfirming({ clientId, what: 'revoke' })}
    >
      Revoke tokens
    </button>
  )

  const allScopes = scopes.data?.scopes ?? []
  const allCounted = `${clients.data?.unread ? 'at least ' : ''}${callersCounted(callers.length)}`
  return (
    <section>
      {/* How many callers there are, as the Fleet says its agents: nothing said it of hundreds. */}
      <h1>
        Callers
        {clients.data ? <small class="muted heading-count"> {allCounted}</small> : null}
      </h1>
      <p class="muted">
        The OAuth clients that call agents through the gateway, and the scopes they hold.
      </p>
      <NoticeLine notice={notice} />
      {clients.error ? (
        <NoticeLine
          notice={{ kind: 'error', text: `The callers could not be read: ${clients.error}` }}
        />
      ) : clients.data?.unread ? (
        <NoticeLine
          notice={{
            kind: 'error',
            text: `Only the first ${clients.data.clients.length} callers could be read: ${clients.data.unread}`,
          }}
        />
      ) : null}
      {secret ? (
        <SecretOnce
          clientId={secret.clientId}
          secret={secret.secret}
          onDone={() => {
            // The focus goes to the caller's card, whose actions come next (or, were it not
            // shown yet, to the page's content): the button pressed goes, and the focus went with
            // it to the page's body, the top of a long page for a keyboard or screen reader user.
            ;(
              document.getElementById(cardHeadingId(secret.clientId)) ??
              document.getElementById('main')
            )?.focus()
            setSecret(undefined)
          }}
        />
      ) : null}
      <form class="form" onSubmit={create} aria-label="New caller">
        <h2>New caller</h2>
        <Field id="client-name" label="Name" error={errors.name}>
          <input
            id="client-name"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </Field>
        <fieldset class={errors.scopes ? 'field-invalid' : ''}>
          <legend>Scopes (at least one)</legend>
          <ScopeChecks
            idPrefix="new-caller"
            scopes={allScopes}
            chosen={chosen}
            onChange={setChosen}
          />
          {errors.scopes ? (
            <small class="field-error" role="alert">
              {errors.scopes}
            </small>
          ) : null}
        </fieldset>
        <button type="submit" class="primary">
          Create caller
        </button>
      </form>
      <div class="toolbar">
        <ListFilter
          id="caller-filter"
          label="Filter by name, id or scope"
          value={filter}
          onFilter={(text) => {
            setFilter(text)
            setPage(0)
          }}
        />
      </div>
      {/* As the Fleet's: how many callers the filter leaves and which of them the page shows, said
      politely as it changes, in a region there from the start (one added with its words may not
      be read out); a few hundred callers were one long page of cards, found only by scrolling. */}
      <div class="list-bar">
        <p class="muted list-count" role="status" data-testid="callers-count">
          {clients.data ? countSaid(paged, matching.length, allCounted, filtering) : ''}
        </p>
        {paged.pages > 1 ? (
          <Pager
            page={paged.page}
            pages={paged.pages}
            label="Pages of the callers"
            onTurn={setPage}
            navRef={topPager}
          />
        ) : null}
      </div>
      {clients.loading && !clients.data ? <Loading what="callers" /> : null}
      {clients.data && filtering && matching.length === 0 ? (
        <p>No caller matches “{filter}”.</p>
      ) : null}
      <ul class="cards">
        {paged.shown.map((client) => (
          <li class="card" key={client.clientId} data-client={client.clientId}>
            <h2 id={cardHeadingId(client.clientId)} tabIndex={-1}>
              {client.name}
              {client.managedBy ? <span class="badge">managed by Terraform</span> : null}
              {client.tokensRefused ? <span class="badge badge-warn">tokens refused</span> : null}
            </h2>
            <dl class="facts">
              <dt>Client id</dt>
              <dd>
                <code>{client.clientId}</code>
              </dd>
              <dt>Scopes</dt>
              <dd>{client.scopes.join(', ') || 'none'}</dd>
            </dl>
            {client.tokensRefused ? (
              <p class="muted">
                The gateway accepts only the callers its stack lists (
                <code>restrict_client_ids</code>
                ): add <code>{client.clientId}</code> to <code>extra_allowed_client_ids</code> and
                apply for its tokens to work.
              </p>
            ) : null}
            {client.managedBy ? (
              <>
                <p class="muted">Terraform owns this caller: change it there, not here.</p>
                <div class="actions">{revokeButton(client.clientId)}</div>
              </>
            ) : editing?.clientId === client.clientId ? (
              <div class="editor" ref={focusFirstField}>
                <ScopeChecks
                  idPrefix={`scopes-of-${client.clientId}`}
                  scopes={allScopes}
                  chosen={editing.scopes}
                  onChange={(next) =>
                    setEditing((current) => current && { ...current, scopes: next })
                  }
                />
                <div class="actions">
                  <button
                    type="button"
                    class="primary"
                    onClick={() => {
                      setEditing(undefined)
                      act(
                        `scopes of ${client.clientId} are now ${editing.scopes.join(', ') || 'none'}`,
                        () =>
                          api<Client>('PATCH', pathOf`/admin/clients/${client.clientId}`, {
                            scopes: editing.scopes,
                          }),
                        { clientId: client.clientId, after: (updated) => updated },
                      )
                    }}
                  >
                    Save scopes
                  </button>
                  <button type="button" onClick={() => setEditing(undefined)}>
                    Cancel
                  </button>
                </div>
              </div>
            ) : (
              // Each card's buttons are named after its caller's id, as a screen reader lists
              // them apart from the card ("Delete" each time); unlike its confirmation's action.
              <div class="actions">
                <button
                  type="button"
                  aria-label={`Change scopes of caller ${client.clientId}`}
                  onClick={() => setEditing({ clientId: client.clientId, scopes: client.scopes })}
                >
                  Change scopes
                </button>
                <button
                  type="button"
                  aria-label={`Rotate secret of caller ${client.clientId}`}
                  onClick={() => setConfirming({ clientId: client.clientId, what: 'rotate' })}
                >
                  Rotate secret
                </button>
                {revokeButton(client.clientId)}
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete caller ${client.clientId}`}
                  onClick={() => setConfirming({ clientId: client.clientId, what: 'delete' })}
                >
                  Delete
                </button>
              </div>
            )}
            {confirming?.clientId === client.clientId && confirming.what === 'rotate' ? (
              <Confirm
                question={`Rotate the secret of ${client.clientId} (${client.name})? The old secret stops working at once: the caller gets no new token until it is given the new one.`}
                expected={client.clientId}
                action={`Rotate secret of ${client.clientId}`}
                onCancel={() => setConfirming(undefined)}
                onConfirm={() => {
                  setConfirming(undefined)
                  act(
                    `secret of ${client.clientId} rotated; the old one no longer works`,
                    async () => {
                      const rotated = await api<{ clientId: string; clientSecret: string }>(
                        'POST',
                        pathOf`/admin/clients/${client.clientId}/rotate-secret`,
                      )
                      setSecret({ clientId: rotated.clientId, secret: rotated.clientSecret })
                    },
                    { clientId: client.clientId },
                  )
                }}
              />
            ) : null}
            {confirming?.clientId === client.clientId && confirming.what === 'delete' ? (
              <Confirm
                question={`Delete caller ${client.clientId} (${client.name})? Its tokens stop working.`}
                expected={client.clientId}
                action={`Delete ${client.clientId}`}
                onCancel={() => setConfirming(undefined)}
                onConfirm={() => {
                  setConfirming(undefined)
                  act(
                    `caller ${client.clientId} deleted`,
                    () => api('DELETE', pathOf`/admin/clients/${client.clientId}`),
                    { clientId: client.clientId, after: () => null },
                  )
                }}
              />
            ) : null}
            {confirming?.clientId === client.clientId && confirming.what === 'revoke' ? (
              <Confirm
                question={`Revoke the tokens of ${client.clientId} (${client.name})? Every token this client holds stops working within a second; its secret stays the same, so it can get a new token.${
                  client.clientId === consoleClientId
                    ? " This is the console's own client: it signs every operator out, you included (each signs in again)."
                    : ''
                }`}
                expected={client.clientId}
                action={`Revoke tokens of ${client.clientId}`}
                onCancel={() => setConfirming(undefined)}
                onConfirm={() => {
                  setConfirming(undefined)
                  // Revoking the console's own client refuses this page's token too: its next
                  // call is a 401, which signs the person out as an expired session does.
                  act(
                    ({ tokensIssuedBefore }: Revoked) =>
                      `tokens of ${client.clientId} issued before ${toTheSecond(tokensIssuedBefore)} are refused; a new token works${
                        client.clientId === consoleClientId
                          ? '; every operator, you included, signs in again'
                          : ''
                      }`,
                    () =>
                      api<Revoked>('POST', pathOf`/admin/clients/${client.clientId}/revoke-tokens`),
                    { clientId: client.clientId },
                  )
                }}
              />
            ) : null}
          </li>
        ))}
      </ul>
      {paged.pages > 1 ? (
        <Pager
          page={paged.page}
          pages={paged.pages}
          label="Pages of the callers, below the cards"
          onTurn={setPage}
          above={topPager}
        />
      ) : null}
      {scopes.error ? (
        <NoticeLine
          notice={{ kind: 'error', text: `The scopes could not be read: ${scopes.error}` }}
        />
      ) : null}
      <ScopesSection
        scopes={allScopes}
        adminScope={adminScope}
        onChanged={scopes.reload}
        act={act}
      />
    </section>
  )
}
