import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokenFor } from '../support/client-credentials.ts'
import { start, stopStarted } from '../support/npm-start.ts'

/**
 * A blank setting is unset (README, *Configuration*): `npm start` with `EMBEDDER=" "` (an env
 * file's empty line with a space) embeds with its own offline embedder, as with none set, not
 * with the handlers' default, Bedrock, which a laptop cannot reach.
 */
describe('npm start with a blank EMBEDDER', () => {
  let stateDir: string

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-blank-embedder-'))
  })
  afterAll(async () => {
    await stopStarted()
    await rm(stateDir, { recursive: true, force: true })
  })

  it('indexes the sample agents with the offline embedder, so search finds them', async () => {
    // Act
    const gateway = await start({
      EMBEDDER: ' ',
      PORT: '0',
      WEATHER_AGENT_PORT: '0',
      CALCULATOR_AGENT_PORT: '0',
      SWITCHBOARD_STATE_DIR: stateDir,
    })
    const { token } = await tokenFor(gateway.url, 'demo-client', 'demo-secret-local-only')
    const search = await fetch(`${gateway.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'Will it rain in Tokyo tomorrow?', topK: 1 }),
    })

    // Assess
    expect(gateway.output()).not.toContain('agent not indexed')
    expect(search.status).toBe(200)
    expect((await search.json()).results?.[0]?.agentId).toBe('weather')
  }, 40_000)
})
