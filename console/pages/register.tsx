import { useEffect, useState } from 'preact/hooks'
import type * as z from 'zod'
import { httpUrl, notHttpUrl } from '../../lib/backend/auth/fields.ts'
import { agentIdSchema } from '../../lib/ids.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { routingExamplesSchema } from '../../lib/registry/routing-examples.ts'
import { ApiError, api, messageOf, pathOf, versioned } from '../api.ts'
import { BusyButton, Field, type Notice, NoticeLine } from '../ui.tsx'

type AuthType = 'none' | 'api_key' | 'aws_iam' | 'oauth2_client_credentials'

const authTypes: { type: AuthType; label: string }[] = [
  { type: 'none', label: 'None (public backend)' },
  { type: 'api_key', label: 'API key in a header' },
  { type: 'aws_iam', label: 'AWS IAM (SigV4)' },
  { type: 'oauth2_client_credentials', label: 'OAuth 2.0 client credentials' },
]

const empty = {
  agentId: '',
  backendUrl: '',
  agentCardUrl: '',
  authType: 'none' as AuthType,
  headerName: 'X-API-Key',
  apiKey: '',
  apiKeyArn: '',
  service: '',
  region: '',
  tokenUrl: '',
  clientId: '',
  clientSecret: '',
  clientSecretArn: '',
  scopes: '',
  status: 'active',
  cardVisibility: 'granted',
  timeoutMs: '',
  /** One phrase a line (`routingExamples`). */
  routingExamples: '',
}
type Form = typeof empty

/** The same zod rules the server applies to these fields (lib/ids.ts, lib/backend/auth/fields.ts). */
const ruleOf = (schema: z.ZodType, value: string) => {
  const result = schema.safeParse(value)
  return result.success ? undefined : result.error.issues[0]?.message
}

const validate = (form: Form): Record<string, string> => {
  const errors: Record<string, string> = {}
  const add = (field: string, problem: string | undefined) => {
    if (problem) errors[field] = problem
  }
  add('agentId', ruleOf(agentIdSchema, form.agentId))
  if (!form.backendUrl.startsWith('arn:')) {
    // The server's words: an http(s) URL refused says why (credentials in it, too long).
    const rule = ruleOf(httpUrl, form.backendUrl)
    add('backendUrl', rule === notHttpUrl ? `${rule} or an AgentCore runtime ARN` : rule)
  }
  if (form.agentCardUrl) add('agentCardUrl', ruleOf(httpUrl, form.agentCardUrl))
  else if (!form.backendUrl.startsWith('arn:'))
    add('agentCardUrl', 'is required (it is derived only for an AgentCore runtime)')
  if (form.authType === 'api_key' && !form.apiKey === !form.apiKeyArn) {
    add('auth.apiKey', 'give exactly one of apiKey and apiKeyArn')
  }
  if (form.authType === 'oauth2_client_credentials') {
    add('auth.tokenUrl', ruleOf(httpUrl, form.tokenUrl))
    if (!form.clientId) add('auth.clientId', 'is required')
    if (!form.clientSecret === !form.clientSecretArn) {
      add('auth.clientSecret', 'give exactly one of clientSecret and clientSecretArn')
    }
  }
  if (form.timeoutMs && !/^\d+$/.test(form.timeoutMs))
    add('timeoutMs', 'must be a whole number of milliseconds')
  // The gateway's own rule for the phrases, its words naming the line.
  const examples = routingExamplesSchema.safeParse(examplesOf(form.routingExamples) ?? [])
  if (!examples.success) {
    const [issue] = examples.error.issues
    const at = issue?.path[0]
    const line = typeof at === 'number' ? `line ${lineOfPhrase(form.routingExamples, at)} ` : ''
    add('routingExamples', `${line}${issue?.message ?? 'is not a list of phrases'}`)
  }
  return errors
}

const bodyOf = (form: Form) => {
  const given = (value: string) => (value ? value : undefined)
  const auth =
    form.authType === 'api_key'
      ? {
          type: 'api_key',
          headerName: form.headerName,
          apiKey: given(form.apiKey),
          apiKeyArn: given(form.apiKeyArn),
        }
      : form.authType === 'aws_iam'
        ? { type: 'aws_iam', service: given(form.service), region: given(form.region) }
        : form.authType === 'oauth2_client_credentials'
          ? {
              type: 'oauth2_client_credentials',
              tokenUrl: form.tokenUrl,
              clientId: form.clientId,
              clientSecret: given(form.clientSecret),
              clientSecretArn: given(form.clientSecretArn),
              scopes: form.scopes ? form.scopes.split(/[\s,]+/).filter(Boolean) : undefined,
            }
          : { type: 'none' }
  return {
    agentId: form.agentId,
    backendUrl: form.backendUrl,
    agentCardUrl: given(form.agentCardUrl),
    auth,
    status: form.status,
    cardVisibility: form.cardVisibility,
    timeoutMs: form.timeoutMs ? Number(form.timeoutMs) : undefined,
    routingExamples: examplesOf(form.routingExamples),
  }
}

/** The textarea's line (from 1) of the phrase at `index` among those `examplesOf` keeps. */
const lineOfPhrase = (text: string, index: number): number => {
  const lines = text.split('\n')
  const kept = lines.flatMap((line, at) => (line.trim() ? [at + 1] : []))
  return kept[index] ?? index + 1
}

/** The form's phrases, one a line, blank lines left out; none when there are none. */
const examplesOf = (text: string): string[] | undefined => {
  const phrases = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  return phrases.length > 0 ? phrases : undefined
}

const formOf = (record: AgentRecord): Form => {
  const auth = record.auth as unknown as Record<string, unknown>
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  return {
    ...empty,
    agentId: record.agentId,
    backendUrl: record.backendUrl,
    agentCardUrl: record.agentCardUrl,
    authType: auth.type as AuthType,
    headerName: text(auth.headerName) || 'X-API-Key',
    // A PUT replaces the whole config: the stored key is kept by naming its secret, as GET shows it.
    apiKeyArn: auth.type === 'api_key' ? text(auth.secretArn) : '',
    clientSecretArn: auth.type === 'oauth2_client_credentials' ? text(auth.secretArn) : '',
    service: text(auth.service),
    region: text(auth.region),
    tokenUrl: text(auth.tokenUrl),
    clientId: text(auth.clientId),
    scopes: Array.isArray(auth.scopes) ? auth.scopes.join(' ') : '',
    status: record.status === 'inactive' ? 'inactive' : 'active',
    cardVisibility: record.cardVisibility ?? 'granted',
    timeoutMs: record.timeoutMs ? String(record.timeoutMs) : '',
    routingExamples: (record.routingExamples ?? []).join('\n'),
  }
}

/** Register an agent, or edit one (`editing` names it): the agent config as a form. */
export const RegisterPage = ({ editing }: { editing?: string | undefined }) => {
  const [form, setForm] = useState<Form>(empty)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [notice, setNotice] = useState<Notice>()
  const [busy, setBusy] = useState(false)
  /** The auth type whose secret the record keeps, when editing one that keeps a secret. */
  const [storedSecretOf, setStoredSecretOf] = useState<AuthType>()
  /** The version of the agent the form was filled from (or last saved as): its PUT's If-Match. */
  const [etag, setEtag] = useState<string>()

  // Each agent edited (or none) has a page of its own (app.tsx keys it), so the form starts empty
  // and is never reset here: an effect runs after the browser paints, by when a person (or their
  // browser's autofill) may have typed.
  useEffect(() => {
    if (!editing) return
    let live = true
    versioned<AgentRecord>('GET', pathOf`/admin/agents/${editing}`).then(
      ({ value: record, etag: version }) => {
        if (!live) return
        setEtag(version)
        const loaded = formOf(record)
        setForm(loaded)
        if (loaded.apiKeyArn || loaded.clientSecretArn) setStoredSecretOf(loaded.authType)
      },
      (error: unknown) => live && setNotice({ kind: 'error', text: messageOf(error) }),
    )
    return () => {
      live = false
    }
  }, [editing])

  // From the form as it is when the update applies, not as this render saw it: a browser's
  // autofill sets several fields in one go, before the page renders again.
  const set = (field: keyof Form) => (event: Event) => {
    const { value } = event.currentTarget as HTMLInputElement | HTMLTextAreaElement
    setForm((current) => ({ ...current, [field]: value }))
  }

  const submit = async (event: Event) => {
    event.preventDefault()
    const problems = validate(form)
    setErrors(problems)
    setNotice(undefined)
    if (Object.keys(problems).length > 0) {
      setNotice({
        kind: 'error',
        text: `Fix the ${Object.keys(problems).length === 1 ? 'field' : 'fields'} marked below.`,
      })
      document.getElementById(Object.keys(problems)[0] as string)?.focus()
      return
    }
    setBusy(true)
    try {
      if (editing) {
        // Saved only over the version the form was filled from: another admin's change meanwhile
        // is a 412, never overwritten. A second save goes over this one.
        const saved = await versioned('PUT', pathOf`/admin/agents/${editing}`, bodyOf(form), etag)
        setEtag(saved.etag)
      } else await api('POST', '/admin/register', bodyOf(form))
      setNotice({
        kind: 'ok',
        text: editing
          ? `${form.agentId} updated.`
          : `${form.agentId} registered; its card was read and it is in the fleet. No caller reaches ${form.agentId} until a permission grants it: add it to a scope in Permissions.`,
      })
      if (!editing) setForm(empty)
    } catch (error) {
      const fields = error instanceof ApiError ? error.fields : {}
      // The gateway names a phrase by its place (`routingExamples.3`); the form has one field.
      const phrase = Object.entries(fields).find(([field]) => field.startsWith('routingExamples.'))
      setErrors(
        phrase
          ? {
              ...fields,
              routingExamples: `line ${lineOfPhrase(form.routingExamples, Number(phrase[0].split('.')[1]))} ${phrase[1]}`,
            }
          : fields,
      )
      setNotice({
        kind: 'error',
        text:
          error instanceof ApiError && error.status === 412
            ? `${messageOf(error)} Open the agent again to see it; what you typed here stays until you do.`
            : messageOf(error),
      })
    } finally {
      setBusy(false)
    }
  }

  const input = (
    field: keyof Form & string,
    label: string,
    options: { type?: 'text' | 'password'; hint?: string; id?: string; readOnly?: boolean } = {},
  ) => {
    const id = options.id ?? field
    const error = errors[id]
    const common = {
      id,
      name: field,
      value: form[field],
      onInput: set(field),
      readOnly: options.readOnly,
    }
    return (
      <Field id={id} label={label} error={error} {...(options.hint ? { hint: options.hint } : {})}>
        {options.type === 'password' ? (
          <input type="password" autoComplete="off" {...common} />
        ) : (
          <input type="text" {...common} />
        )}
      </Field>
    )
  }

  return (
    <section>
      <h1>{editing ? `Edit ${editing}` : 'Register an agent'}</h1>
      <NoticeLine notice={notice} />
      <form class="form" onSubmit={submit} noValidate>
        {input('agentId', 'Agent id', {
          hint: 'Lowercase letters, digits and "-".',
          readOnly: Boolean(editing),
        })}
        {input('backendUrl', 'Backend URL', {
          hint: 'The agent’s A2A endpoint, or an AgentCore runtime ARN.',
        })}
        {input('agentCardUrl', 'Agent card URL', { hint: 'Where its agent card is served.' })}
        <Field id="authType" label="Backend authentication">
          <select id="authType" value={form.authType} onChange={set('authType')}>
            {authTypes.map(({ type, label }) => (
              <option key={type} value={type}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {form.authType === 'api_key' ? (
          <fieldset>
            <legend>API key</legend>
            {input('headerName', 'Header name', { id: 'auth.headerName' })}
            {input('apiKey', 'API key (stored in Secrets Manager, never shown again)', {
              type: 'password',
              id: 'auth.apiKey',
            })}
            {input('apiKeyArn', 'or the ARN of a secret holding it', {
              id: 'auth.apiKeyArn',
              ...(storedSecretOf === 'api_key'
                ? {
                    hint: 'The stored key’s: kept while the backend URL stays. To give a new key, or to send it to a new backend URL, clear this and type the key.',
                  }
                : {}),
            })}
          </fieldset>
        ) : null}
        {form.authType === 'aws_iam' ? (
          <fieldset>
            <legend>AWS IAM</legend>
            {input('service', 'Service (lambda, bedrock-agentcore, execute-api…)', {
              id: 'auth.service',
              hint: 'Left empty: inferred from the URL.',
            })}
            {input('region', 'Region', {
              id: 'auth.region',
              hint: 'Left empty: inferred from the URL.',
            })}
          </fieldset>
        ) : null}
        {form.authType === 'oauth2_client_credentials' ? (
          <fieldset>
            <legend>OAuth 2.0 client credentials</legend>
            {input('tokenUrl', 'Token URL', { id: 'auth.tokenUrl' })}
            {input('clientId', 'Client id', { id: 'auth.clientId' })}
            {input('clientSecret', 'Client secret (stored in Secrets Manager, never shown again)', {
              type: 'password',
              id: 'auth.clientSecret',
            })}
            {input('clientSecretArn', 'or the ARN of a secret holding it', {
              id: 'auth.clientSecretArn',
              ...(storedSecretOf === 'oauth2_client_credentials'
                ? {
                    hint: 'The stored secret’s: kept while the token URL stays. To give a new one, or to send it to a new token URL, clear this and type the secret.',
                  }
                : {}),
            })}
            {input('scopes', 'Scopes (space-separated)', { id: 'auth.scopes' })}
          </fieldset>
        ) : null}
        <Field id="status" label="Status">
          <select id="status" value={form.status} onChange={set('status')}>
            <option value="active">active: callers reach it</option>
            <option value="inactive">inactive: refused to callers</option>
          </select>
        </Field>
        <Field id="cardVisibility" label="Who may read its card">
          <select id="cardVisibility" value={form.cardVisibility} onChange={set('cardVisibility')}>
            <option value="granted">callers granted the agent</option>
            <option value="public">anyone</option>
          </select>
        </Field>
        {input('timeoutMs', 'Timeout (ms, optional)', {
          hint: 'Limit on a unary call; empty: the gateway’s default.',
        })}
        <Field
          id="routingExamples"
          label="Routing examples (optional, one a line)"
          error={errors.routingExamples}
          hint="What users say to this agent, for /search and /route; at most 50, each at most 500 characters."
        >
          <textarea
            id="routingExamples"
            name="routingExamples"
            rows={4}
            value={form.routingExamples}
            onInput={set('routingExamples')}
          />
        </Field>
        <div class="actions">
          <BusyButton type="submit" class="primary" busy={busy}>
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Register'}
          </BusyButton>
        </div>
      </form>
    </section>
  )
}
