import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { adminJsonCaller } from '../support/admin-api.ts'
import { closedPort } from '../support/card-server.ts'
import { tokenFor } from '../support/client-credentials.ts'
import { type Started, start, stop, stopStarted } from '../support/npm-start.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'

/**
 * `npm start` again on the same state with its sample agents on other ports (README: the ports
 * move with WEATHER_AGENT_PORT and CALCULATOR_AGENT_PORT; registrations survive a restart): the
 * sample agents' records follow them, keeping what an operator changed.
 */
describe('the sample agents after npm start runs again on other ports', () => {
  let stateDir: string
  let gateway: Started
  let admin: string
  const adminCall = adminJsonCaller(() => ({ url: gateway.url, token: admin }))

  const started = async (env: Record<string, string>) => {
    gateway = await start({ SWITCHBOARD_STATE_DIR: stateDir, PORT: '0', ...env })
    admin = (await tokenFor(gateway.url, 'admin-client', 'admin-secret-local-only')).token as string
  }
  const agentPorts = async () => ({
    WEATHER_AGENT_PORT: String(await closedPort()),
    CALCULATOR_AGENT_PORT: String(await closedPort()),
  })

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-restart-'))
  })
  afterAll(async () => {
    await stopStarted()
    await rm(stateDir, { recursive: true, force: true })
  })

  it('calls the weather agent where it runs now, its routing examples kept', async () => {
    // Prepare: a first run, where an operator gave the weather agent routing examples
    await started(await agentPorts())
    const examples = ['Will it rain in Lisbon?', 'How warm is Cairo in May?']
    await adminCall('PATCH', '/admin/agents/weather', { routingExamples: examples })
    await stop(gateway)

    // Act
    const moved = await agentPorts()
    await started(moved)
    const demo = (await tokenFor(gateway.url, 'demo-client', 'demo-secret-local-only')).token
    const answer = await postA2A(
      `${gateway.url}/agents/weather`,
      demo as string,
      jsonRpc('SendMessage', textMessageParams('What is the weather in Tokyo?')),
    )
    const record = (await adminCall('GET', '/admin/agents/weather')).body
    const calculator = (await adminCall('GET', '/admin/agents/calculator')).body

    // Assess
    expect(answer.status).toBe(200)
    expect((await answer.json()).error).toBeUndefined()
    expect(record.backendUrl).toBe(`http://127.0.0.1:${moved.WEATHER_AGENT_PORT}`)
    expect(record.routingExamples).toEqual(examples)
    expect(new URL(calculator.backendUrl).port).toBe(moved.CALCULATOR_AGENT_PORT)
  }, 120_000)

  it('leaves a sample agent’s id an operator pointed at an agent of its own where it points', async () => {
    // Prepare: the weather id given to another agent, on this host like the samples
    const own = await startScriptedAgent({
      answer: (_request, _body, response) => {
        response.end('{}')
      },
    })
    const pointed = await adminCall('PUT', '/admin/agents/weather', {
      agentId: 'weather',
      backendUrl: `${own.url}/rpc`,
      agentCardUrl: own.cardUrl,
    })
    expect(pointed.status).toBe(200)
    await stop(gateway)

    // Act
    await started(await agentPorts())
    const record = (await adminCall('GET', '/admin/agents/weather')).body
    await own.stop()

    // Assess
    expect(record.backendUrl).toBe(`${own.url}/rpc`)
  }, 120_000)
})
