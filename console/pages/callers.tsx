import { useState } from 'preact/hooks'
import { api, messageOf } from '../api.ts'
import { Confirm, Field, Loading, type Notice, NoticeLine, useLoad } from '../ui.tsx'

/** SHARED-SPECS 3: the callers (OAuth clients) and scopes admin API. */
interface Client {
  clientId: string
  name: string
  scopes: string[]
}
interface Scope {
  scope: string
  description?: string
}

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
  return (
    <section class="secret" aria-label="New client secret">
      <p class="notice notice-warn">
        <strong>Copy it now: </strong>this is the only time the secret of <code>{clientId}</code> is
        shown. Nobody, not even an operator, can read it again; rotate it if it is lost.
      </p>
      <div class="inline">
        <input readOnly value={secret} aria-label="Client secret" data-testid="client-secret" />
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

const ScopeChecks = ({
  scopes,
  chosen,
  onChange,
}: {
  scopes: Scope[]
  chosen: string[]
  onChange: (next: string[]) => void
}) => (
  <div class="checks">
    {scopes.map(({ scope, description }) => (
      <label key={scope} class="check" title={description}>
        <input
          type="checkbox"
          checked={chosen.includes(scope)}
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
    ))}
  </div>
)

export const CallersPage = () => {
  const clients = useLoad(() => api<{ clients: Client[] }>('GET', '/admin/clients'))
  const scopes = useLoad(() => api<{ scopes: Scope[] }>('GET', '/admin/scopes'))
  const [notice, setNotice] = useState<Notice>()
  const [secret, setSecret] = useState<{ clientId: string; secret: string }>()
  const [name, setName] = useState('')
  const [chosen, setChosen] = useState<string[]>([])
  const [editing, setEditing] = useState<{ clientId: string; scopes: string[] }>()
  const [deleting, setDeleting] = useState<string>()

  const act = async (done: string, call: () => Promise<unknown>) => {
    setNotice(undefined)
    try {
      await call()
      setNotice({ kind: 'ok', text: done })
      clients.reload()
    } catch (error) {
      setNotice({ kind: 'error', text: messageOf(error) })
    }
  }

  const create = (event: Event) => {
    event.preventDefault()
    if (!name.trim()) return setNotice({ kind: 'error', text: 'Give the caller a name.' })
    act(`caller ${name} created`, async () => {
      const created = await api<Client & { clientSecret: string }>('POST', '/admin/clients', {
        name,
        scopes: chosen,
      })
      setSecret({ clientId: created.clientId, secret: created.clientSecret })
      setName('')
      setChosen([])
    })
  }

  const allScopes = scopes.data?.scopes ?? []
  return (
    <section>
      <h1>Callers</h1>
      <p class="muted">
        The OAuth clients that call agents through the gateway, and the scopes they hold.
      </p>
      <NoticeLine notice={notice} />
      {clients.error ? (
        <NoticeLine
          notice={{ kind: 'error', text: `The callers could not be read: ${clients.error}` }}
        />
      ) : null}
      {secret ? (
        <SecretOnce
          clientId={secret.clientId}
          secret={secret.secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      <form class="form" onSubmit={create} aria-label="New caller">
        <h2>New caller</h2>
        <Field id="client-name" label="Name">
          <input
            id="client-name"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </Field>
        <fieldset>
          <legend>Scopes</legend>
          <ScopeChecks scopes={allScopes} chosen={chosen} onChange={setChosen} />
        </fieldset>
        <button type="submit" class="primary">
          Create caller
        </button>
      </form>
      {clients.loading && !clients.data ? <Loading what="callers" /> : null}
      <ul class="cards">
        {(clients.data?.clients ?? []).map((client) => (
          <li class="card" key={client.clientId} data-client={client.clientId}>
            <h2>{client.name}</h2>
            <dl class="facts">
              <dt>Client id</dt>
              <dd>
                <code>{client.clientId}</code>
              </dd>
              <dt>Scopes</dt>
              <dd>{client.scopes.join(', ') || 'none'}</dd>
            </dl>
            {editing?.clientId === client.clientId ? (
              <div class="editor">
                <ScopeChecks
                  scopes={allScopes}
                  chosen={editing.scopes}
                  onChange={(next) => setEditing({ ...editing, scopes: next })}
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
                          api('PATCH', `/admin/clients/${client.clientId}`, {
                            scopes: editing.scopes,
                          }),
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
              <div class="actions">
                <button
                  type="button"
                  onClick={() => setEditing({ clientId: client.clientId, scopes: client.scopes })}
                >
                  Change scopes
                </button>
                <button
                  type="button"
                  onClick={() =>
                    act(
                      `secret of ${client.clientId} rotated; the old one no longer works`,
                      async () => {
                        const rotated = await api<{ clientId: string; clientSecret: string }>(
                          'POST',
                          `/admin/clients/${client.clientId}/rotate-secret`,
                        )
                        setSecret({ clientId: rotated.clientId, secret: rotated.clientSecret })
                      },
                    )
                  }
                >
                  Rotate secret
                </button>
                <button type="button" class="danger" onClick={() => setDeleting(client.clientId)}>
                  Delete
                </button>
              </div>
            )}
            {deleting === client.clientId ? (
              <Confirm
                question={`Delete caller ${client.clientId} (${client.name})? Its tokens stop working.`}
                expected={client.clientId}
                action={`Delete ${client.clientId}`}
                onCancel={() => setDeleting(undefined)}
                onConfirm={() => {
                  setDeleting(undefined)
                  act(`caller ${client.clientId} deleted`, () =>
                    api('DELETE', `/admin/clients/${client.clientId}`),
                  )
                }}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
