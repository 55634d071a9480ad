import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { seed } from '../../local/seed.ts'

/** Debian's chromium (.ci/run installs it with apt when missing); CHROMIUM_PATH overrides. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const launchChromium = (): Promise<Browser> => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: apt-get install -y chromium, or set CHROMIUM_PATH.`,
    )
  }
  // As root (CI containers), Chromium runs only without its sandbox.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] })
}

/** Where the tests save their screenshots (git-ignored). */
export const screenshotDir = fileURLToPath(new URL('../../.screenshots/', import.meta.url))

/** The page as it looks 1280 and 390 px wide: `<name>-1280.png` and `<name>-390.png`. */
export const shoot = async (page: Page, name: string) => {
  await mkdir(screenshotDir, { recursive: true })
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 })
    await page.screenshot({ path: join(screenshotDir, `${name}-${width}.png`), fullPage: true })
  }
  await page.setViewportSize({ width: 1280, height: 900 })
}

export const password = (username: string) => {
  const person = seed.people.find((candidate) => candidate.username === username)
  if (!person) throw new Error(`no person '${username}' in local/seed.json`)
  return person.password
}

/** Signs a seeded person in to the console, through the local sign-in page. */
export const signIn = async (page: Page, gatewayUrl: string, username: string) => {
  await page.goto(`${gatewayUrl}/console`)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password(username))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('signed-in-as').waitFor()
}

/**
 * A person signed in the way the console does it, over HTTP: the sign-in form
 * posted (authorization code + PKCE through the local sign-in), the browser's
 * return to /console/callback with the code, and the code traded with its
 * verifier. Every secret of the flow comes back, for checking where it goes.
 */
export const signInOverHttp = async (gatewayUrl: string, username: string) => {
  const verifier = randomBytes(32).toString('base64url')
  const redirectUri = `${gatewayUrl}/console/callback`
  const request = {
    response_type: 'code',
    client_id: 'switchboard-console',
    redirect_uri: redirectUri,
    state: 'state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }
  const signedIn = await fetch(`${gatewayUrl}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ ...request, username, password: password(username) }),
  })
  const callback = signedIn.headers.get('location') ?? ''
  const code = new URL(callback).searchParams.get('code') ?? ''
  // The browser follows the redirect to the console's page, which then trades the code.
  const returned = await fetch(callback)
  await returned.arrayBuffer()
  const answer = await fetch(`${gatewayUrl}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'switchboard-console',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }),
  })
  const { access_token: token } = (await answer.json()) as { access_token: string }
  return { password: password(username), code, verifier, callbackStatus: returned.status, token }
}

/**
 * A person's access token, got the way the console gets it (authorization code
 * + PKCE through the local sign-in), for checking what the API says to them.
 */
export const personToken = async (gatewayUrl: string, username: string): Promise<string> =>
  (await signInOverHttp(gatewayUrl, username)).token

/**
 * Waits until Try it's list of agents has loaded and `agentId` is chosen in it: a message sent
 * before waits for the list, so a test that reads a turn's start would read it late.
 */
export const tryItReady = (page: Page, agentId: string) =>
  expect.poll(() => page.locator('#try-agent').inputValue()).toBe(agentId)
