import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import * as z from 'zod'
import { accessTokenMinter, type SigningKey } from './identity.ts'

/**
 * LOCAL ONLY: a person who signs in to the console on a laptop (local/seed.json).
 * `groups` play Cognito's groups: `operators` is the admin scope, any other group
 * the scope of its name (lib/auth/token-verifier.ts, groupScopes).
 */
export const localPersonSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  groups: z.array(z.string().min(1)),
})
export type LocalPerson = z.infer<typeof localPersonSchema>

export interface SignInAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

const codeLifetimeMs = 60_000

const sameText = (given: string, expected: string) => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)]
  return a.length === b.length && timingSafeEqual(a, b)
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  )

/** As the console's: its focus outline blue, 3:1 and more on white (yellow was 1.85:1). */
const pageStyle =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}' +
  'label{display:block;margin-top:1rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #8c959f;border-radius:4px}' +
  'button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;background:#0b57d0;color:#fff;border:0;border-radius:4px;cursor:pointer}' +
  'button:focus-visible,input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}' +
  '.error{color:#a40e26;background:#ffebe9;padding:.5rem;border-radius:4px}.note{color:#57606a;font-size:.875rem}'
const styleHash = createHash('sha256').update(pageStyle).digest('base64')

const html = (status: number, body: string): SignInAnswer => ({
  status,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No script at all; the one style block by its hash.
    'content-security-policy': `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in to Switchboard</title><style>${pageStyle}</style></head><body>${body}</body></html>`,
})

const oauthError = (status: number, error: string, description: string): SignInAnswer => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ error, error_description: description }),
})

const authorizeRequest = z.object({
  response_type: z.literal('code', { error: 'response_type must be code' }),
  client_id: z.string().min(1),
  redirect_uri: z.url(),
  state: z.string().min(1).max(512),
  code_challenge: z.string().regex(/^[A-Za-z0-9_-]{43,128}$/, 'code_challenge must be base64url'),
  code_challenge_method: z.literal('S256', { error: 'code_challenge_method must be S256' }),
  scope: z.string().optional(),
})
type AuthorizeRequest = z.infer<typeof authorizeRequest>

interface IssuedCode {
  person: LocalPerson
  request: AuthorizeRequest
  expiresAt: number
}

/**
 * LOCAL ONLY. The local identity's sign-in for people, as Cognito's managed
 * login answers it: `GET /oauth2/authorize` shows a sign-in form, `POST` checks
 * the password and sends the browser back with a one-time code, and the token
 * endpoint trades the code (with the PKCE verifier, S256) for an access token
 * shaped like a Cognito user's (`username`, `cognito:groups`). Only the console's
 * client, sending people back to the console, is served.
 */
export const createLocalSignIn = async (options: {
  issuer: string
  signingKey: SigningKey
  people: readonly LocalPerson[]
  consoleClientId: string
  tokenLifetimeSeconds?: number
}) => {
  const { issuer, signingKey, consoleClientId } = options
  const lifetime = options.tokenLifetimeSeconds ?? 3600
  const mint = await accessTokenMinter({ issuer, signingKey, lifetimeSeconds: lifetime })
  const callback = `${issuer}/console/callback`
  const codes = new Map<string, IssuedCode>()

  const checkRequest = (params: URLSearchParams) => {
    const parsed = authorizeRequest.safeParse(Object.fromEntries(params))
    if (!parsed.success) {
      return { problem: parsed.error.issues.map((issue) => issue.message).join('; ') }
    }
    if (parsed.data.client_id !== consoleClientId) {
      return {
        problem: `Unknown client ${parsed.data.client_id}: only the console signs people in.`,
      }
    }
    if (parsed.data.redirect_uri !== callback) {
      return { problem: `redirect_uri must be ${callback}.` }
    }
    return { request: parsed.data }
  }

  const form = (request: AuthorizeRequest, error?: string) => {
    const hidden = Object.entries(request)
      .map(
        ([name, value]) =>
          `<input type="hidden" name="${name}" value="${escapeHtml(String(value))}">`,
      )
      .join('')
    return `<main><h1>Sign in to Switchboard</h1>
<p class="note">Local sign-in: the people in local/seed.json (LOCAL ONLY).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/oauth2/authorize">${hidden}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main>`
  }

  /** GET /oauth2/authorize: the sign-in form, or why the request cannot be served. */
  const showSignIn = (query: URLSearchParams): SignInAnswer => {
    const checked = checkRequest(query)
    if (!checked.request)
      return html(
        400,
        `<main><h1>Cannot sign in</h1><p class="error">${escapeHtml(checked.problem)}</p></main>`,
      )
    return html(200, form(checked.request))
  }

  /** POST /oauth2/authorize: the password checked, the browser sent back with a code. */
  const signIn = (body: URLSearchParams): SignInAnswer => {
    const checked = checkRequest(body)
    if (!checked.request)
      return html(
        400,
        `<main><h1>Cannot sign in</h1><p class="error">${escapeHtml(checked.problem)}</p></main>`,
      )
    const username = body.get('username') ?? ''
    const person = options.people.find((candidate) => candidate.username === username)
    if (!person || !sameText(body.get('password') ?? '', person.password)) {
      return html(401, form(checked.request, 'Wrong username or password.'))
    }
    // Codes never traded are forgotten once expired.
    for (const [unused, issued] of codes) if (issued.expiresAt < Date.now()) codes.delete(unused)
    const code = randomBytes(32).toString('base64url')
    codes.set(code, { person, request: checked.request, expiresAt: Date.now() + codeLifetimeMs })
    const to = new URL(checked.request.redirect_uri)
    to.searchParams.set('code', code)
    to.searchParams.set('state', checked.request.state)
    return {
      status: 302,
      headers: { location: to.toString(), 'cache-control': 'no-store' },
      body: '',
    }
  }

  /** The token endpoint's `grant_type=authorization_code`: one code, once, with its verifier. */
  const redeemCode = async (body: URLSearchParams): Promise<SignInAnswer> => {
    const code = body.get('code') ?? ''
    const issued = codes.get(code)
    codes.delete(code)
    if (!issued || issued.expiresAt < Date.now()) {
      return oauthError(
        400,
        'invalid_grant',
        'The code is unknown, used or expired: sign in again.',
      )
    }
    if (
      body.get('client_id') !== issued.request.client_id ||
      body.get('redirect_uri') !== issued.request.redirect_uri
    ) {
      return oauthError(
        400,
        'invalid_grant',
        'client_id or redirect_uri differ from the sign-in request.',
      )
    }
    const challenge = createHash('sha256')
      .update(body.get('code_verifier') ?? '')
      .digest('base64url')
    if (!sameText(challenge, issued.request.code_challenge)) {
      return oauthError(
        400,
        'invalid_grant',
        'The code_verifier does not match the code_challenge.',
      )
    }
    const accessToken = await mint(issued.person.username, {
      client_id: consoleClientId,
      scope: 'openid',
      username: issued.person.username,
      'cognito:groups': issued.person.groups,
    })
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({
        access_token: accessToken,
        expires_in: lifetime,
        token_type: 'Bearer',
      }),
    }
  }

  /**
   * GET /logout, as Cognito's: the person's sign-in session ended (the local sign-in keeps none)
   * and the browser sent to `logout_uri`, which must be the console's own, for the console's client.
   */
  const signOut = (query: URLSearchParams): SignInAnswer => {
    const console = `${issuer}/console`
    if (query.get('client_id') !== consoleClientId || query.get('logout_uri') !== console) {
      return html(
        400,
        `<main><h1>Cannot sign out</h1><p class="error">${escapeHtml(
          `Only the console's client signs out here, back to ${console}.`,
        )}</p></main>`,
      )
    }
    return { status: 302, headers: { location: console, 'cache-control': 'no-store' }, body: '' }
  }

  /** The sign-in's answer to a request of the local identity, or undefined when it is not one. */
  return async function localSignInRoute(request: {
    method: string
    path: string
    query: URLSearchParams
    body: Buffer
  }): Promise<SignInAnswer | undefined> {
    if (request.path === '/logout' && request.method === 'GET') return signOut(request.query)
    if (request.path !== '/oauth2/authorize' && request.path !== '/oauth2/token') return undefined
    if (request.path === '/oauth2/authorize' && request.method === 'GET')
      return showSignIn(request.query)
    const form = new URLSearchParams(request.body.toString('utf8'))
    if (request.path === '/oauth2/authorize' && request.method === 'POST') return signIn(form)
    if (request.method === 'POST' && form.get('grant_type') === 'authorization_code')
      return redeemCode(form)
    return undefined
  }
}

export type LocalSignIn = Awaited<ReturnType<typeof createLocalSignIn>>
