/**
 * Signing a person in: OAuth 2.0 authorization code with PKCE (S256) against
 * Cognito's managed login, or the local identity's sign-in page. The access
 * token lives in this module's memory only: a reload or an expiry means
 * signing in again. Only the one-use PKCE verifier and state cross the
 * redirect, in sessionStorage, and are removed when the browser comes back.
 */
import type { ConsoleSettings } from '../lib/console/static-files.ts'

export type { ConsoleSettings }

export interface Session {
  accessToken: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  username: string
  groups: string[]
  isAdmin: boolean
  /**
   * The app client the person signed in through (the console's own): revoking its tokens
   * signs every operator out, this person included.
   */
  clientId: string
  /** The gateway's admin scope, which is never deleted. */
  adminScope: string
}

const pendingKey = 'switchboard.console.pending-sign-in'

/** The console's own base URL (where its script was served from), ending in `/`. */
export const consoleBase = new URL('./', import.meta.url)
/** The gateway's base URL, without a trailing slash. */
export const gatewayBase = new URL('../', import.meta.url).href.replace(/\/$/, '')
const callbackUrl = new URL('callback', consoleBase).href

let session: Session | undefined

/**
 * Every console tab of this browser. Each keeps its own token in memory, so a Sign out in one
 * would leave the others signed in for the token's lifetime, for whoever takes the browser next.
 */
const tabs =
  typeof BroadcastChannel === 'function'
    ? new BroadcastChannel('switchboard.console.tabs')
    : undefined
const signedOutMessage = 'signed-out'

/** Calls `listener` when the person signs out in another tab of this browser. */
export const onSignedOutElsewhere = (listener: () => void) =>
  tabs?.addEventListener('message', (event) => {
    if (event.data === signedOutMessage) listener()
  })

export const currentSession = () =>
  session && session.expiresAt > Date.now() ? session : undefined

export const loadSettings = async (): Promise<ConsoleSettings> => {
  const response = await fetch(new URL('config.json', consoleBase))
  if (!response.ok)
    throw new Error(`The console's settings could not be read (HTTP ${response.status}).`)
  return response.json()
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')

const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)))

/** Sends the browser to sign in; it comes back to /console/callback. */
export const beginSignIn = async (settings: ConsoleSettings, returnTo: string) => {
  const verifier = randomText()
  const state = randomText()
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  )
  sessionStorage.setItem(pendingKey, JSON.stringify({ verifier, state, returnTo }))
  const url = new URL(settings.authorizeUrl)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: callbackUrl,
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  location.assign(url.href)
}

const claimsOf = (token: string): Record<string, unknown> => {
  const payload = token.split('.')[1] ?? ''
  return JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')))
}

/**
 * On the way back from signing in: the code traded for a token (with the
 * verifier). Returns where the person was going, or undefined when this page
 * load is not a sign-in's return. Throws, in words, when the sign-in failed.
 */
export const completeSignIn = async (settings: ConsoleSettings): Promise<string | undefined> => {
  const params = new URLSearchParams(location.search)
  if (!location.pathname.endsWith('/callback')) return undefined
  const pending = sessionStorage.getItem(pendingKey)
  sessionStorage.removeItem(pendingKey)
  history.replaceState(null, '', consoleBase.href)
  // The state first: a callback address anyone may craft, its words included, is read only when
  // it answers a sign-in this page started.
  const { verifier, state, returnTo } = JSON.parse(pending ?? '{}') as Record<string, string>
  if (!verifier || params.get('state') !== state) {
    throw new Error(
      'Sign-in failed: this sign-in was not started here (state mismatch). Sign in again.',
    )
  }
  if (params.get('error')) {
    throw new Error(`Sign-in failed: ${params.get('error_description') ?? params.get('error')}`)
  }
  const response = await fetch(settings.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: settings.clientId,
      code: params.get('code') ?? '',
      redirect_uri: callbackUrl,
      code_verifier: verifier,
    }),
  })
  const answer = await response.json().catch(() => ({}))
  if (!response.ok || typeof answer.access_token !== 'string') {
    throw new Error(
      `Sign-in failed: ${answer.error_description ?? answer.error ?? `HTTP ${response.status}`}`,
    )
  }
  const claims = claimsOf(answer.access_token)
  const groups = Array.isArray(claims['cognito:groups'])
    ? (claims['cognito:groups'] as string[])
    : []
  session = {
    accessToken: answer.access_token,
    expiresAt: Date.now() + Number(answer.expires_in ?? 3600) * 1000,
    username: String(claims.username ?? claims.sub ?? 'unknown'),
    groups,
    isAdmin: groups.includes('operators'),
    clientId: settings.clientId,
    adminScope: settings.adminScope,
  }
  history.replaceState(null, '', `${consoleBase.href}${returnTo ?? '#/fleet'}`)
  return returnTo ?? '#/fleet'
}

/** Forgets the session (an expiry, a refused token): the page shows the sign-in again. */
export const signOut = () => {
  session = undefined
}

/**
 * Signs the person out for good: the session forgotten, in this browser's other console tabs too,
 * and the browser sent to the identity provider's logout, which ends its own sign-in session and
 * sends it back to the console.
 */
export const endSession = (settings: ConsoleSettings) => {
  signOut()
  tabs?.postMessage(signedOutMessage)
  const url = new URL(settings.logoutUrl)
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    // As Terraform lists it in the console client's logout URLs, exactly.
    logout_uri: `${gatewayBase}/console`,
  }).toString()
  location.assign(url.href)
}
