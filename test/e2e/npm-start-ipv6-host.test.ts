import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { tokenFor } from '../support/client-credentials.ts'
import { start, stopStarted } from '../support/npm-start.ts'

/**
 * `npm start` on an IPv6 interface (README, *Configuration*: HOST is the interface the gateway
 * and agents listen on): its own URL, the token issuer and the cards' addresses among them, takes
 * the address in brackets, as the sample agents' do.
 */
/** Whether this machine has IPv6's loopback (a container may have it turned off). */
const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createServer()
  probe.once('error', () => resolve(false))
  probe.listen(0, '::1', () => probe.close(() => resolve(true)))
})

describe.skipIf(!hasIpv6Loopback)('npm start with HOST=::1', () => {
  let stateDir: string

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-ipv6-'))
  })
  afterAll(async () => {
    await stopStarted()
    await rm(stateDir, { recursive: true, force: true })
  })

  it('starts, and its banner URL gives a token that calls the weather agent', async () => {
    // Act
    const gateway = await start({
      HOST: '::1',
      PORT: '0',
      WEATHER_AGENT_PORT: '0',
      CALCULATOR_AGENT_PORT: '0',
      SWITCHBOARD_STATE_DIR: stateDir,
    })
    const { token } = await tokenFor(gateway.url, 'demo-client', 'demo-secret-local-only')
    const answer = await postA2A(
      `${gateway.url}/agents/weather`,
      token as string,
      jsonRpc('SendMessage', textMessageParams('What is the weather in Tokyo?')),
    )

    // Assess
    expect(gateway.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect(answer.status).toBe(200)
  }, 40_000)
})
