import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config.ts'
import { createDocumentClient } from '../../lib/dynamo.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A } from '../support/a2a-client.ts'
import { codeBlocks, readmeSection, repositoryRoot } from '../support/readme.ts'

const run = promisify(execFile)

/** A question the calculator answers, scoring near the local embedder's default threshold. */
const percentage = 'what is 15% of 80'

describe('routing you can trust: refusals with candidates, calibration from the catalog', () => {
  let stack: RunningStack
  let demo: string
  let admin: string

  beforeAll(async () => {
    // Threshold cache off (the throwaway default), so the next /route reads what was stored.
    // Routes by meaning: the offline model, not the hashing embedder the test run sets.
    stack = await startThrowawayStack({ embedder: 'local' })
    demo = await stack.token('demo-client')
    admin = await stack.token('admin-client')
  })
  afterAll(() => stack.stop())

  const message = (text: string) => ({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })
  const routeRest = (text: string) =>
    postA2A(`${stack.url}/route/message:send`, demo, message(text))
  const calibrate = (headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/admin/route/calibrate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, ...headers },
    })
  /** The caller's agents with their scores for a query, as POST /search gives them. */
  const scores = async (query: string) => {
    const response = await fetch(`${stack.url}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    })
    const { results } = (await response.json()) as { results: { score: number }[] }
    return results.map(({ score }) => score)
  }

  it('refuses a message below the threshold in both bindings, listing the candidates with their scores', async () => {
    // Act
    const rpc = await postA2A(
      `${stack.url}/route`,
      demo,
      jsonRpc('SendMessage', message('zqxj vbnm plokij'), 9),
    )
    const rest = await routeRest('zqxj vbnm plokij')

    // Assess
    const rpcBody = await rpc.json()
    const restBody = await rest.json()
    expect([rpc.status, rest.status]).toEqual([422, 422])
    expect([rpcBody.id, rpcBody.error.code]).toEqual([9, -32057])
    expect(restBody.error.status).toBe('FAILED_PRECONDITION')
    for (const { message: said, info } of [
      { message: rpcBody.error.message, info: rpcBody.error.data[0] },
      { message: restBody.error.message, info: restBody.error.details[0] },
    ]) {
      expect(said).toMatch(
        /^No agent matches this message confidently \(it needs a score of 0\.150 and a lead of 0\.050 over the next\)\. Closest: (weather|calculator) \(0\.\d{3}\), (weather|calculator) \(-?0\.\d{3}\); call one at \/agents\/\{agentId\}\.$/,
      )
      expect(info.reason).toBe('NO_CONFIDENT_ROUTE')
      expect(Object.keys(info.metadata).sort()).toEqual(['calculator', 'weather'])
      expect(Object.values(info.metadata)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^-?\d\.\d{3}$/)]),
      )
    }
  })

  it("lets a client pick a candidate from the refusal with the README's curl and jq commands", async () => {
    // Prepare
    const [pick] = codeBlocks(readmeSection('Finding agents'), 'sh') as [string]
    const weather = stack.agents.find((agent) => agent.agentId === 'weather')
    const before = weather?.requestCount() ?? 0

    // Act
    const { stdout } = await run(
      'bash',
      ['-c', `set -eo pipefail\n${pick.replaceAll('http://127.0.0.1:3000', stack.url)}`],
      { env: { ...process.env, TOKEN: demo }, timeout: 20_000 },
    )

    // Assess: refused, then sent by the client to the closest agent, weather.
    const [said, metadata] = stdout.split('\n')
    expect(said).toMatch(/^No agent matches this message confidently .* Closest: weather \(/)
    const scored = JSON.parse(metadata as string) as Record<string, string>
    expect(Object.keys(scored).sort()).toEqual(['calculator', 'weather'])
    expect(Number(scored.weather)).toBeGreaterThan(Number(scored.calculator))
    expect(weather?.requestCount()).toBe(before + 1)
  })

  it('stores the threshold calibrated from the cards’ examples, which the next /route uses', async () => {
    // Prepare: at the default, the calculator leads clearly and clears 0.15.
    const [best = 0, next = 0] = await scores(percentage)
    const before = await routeRest(percentage)
    expect(before.status).toBe(200)
    expect(before.headers.get('x-switchboard-agent')).toBe('calculator')
    await before.text()

    // Act
    const response = await calibrate({ 'idempotency-key': 'calibrate-1' })
    const replay = await calibrate({ 'idempotency-key': 'calibrate-1' })
    const after = await routeRest(percentage)

    // Assess: 14 examples of 2 agents, 2 × 14 embeddings, the two cards' vectors read from the
    // index /route scores; the score it chose is above this message's.
    expect(response.status).toBe(200)
    const calibration = await response.json()
    expect(calibration).toMatchObject({
      examples: 14,
      agents: 2,
      embeddingCalls: 28,
      agentVectors: { fromIndex: 2, embedded: 0, notIndexed: 0, missing: 0 },
      embedder: 'local',
      dimension: 1024,
      threshold: { minMargin: 0.05 },
    })
    // The one example routed wrong, named by its agent and the one it scored first:
    expect(calibration.crossedExamples).toEqual([
      { agentId: 'calculator', examples: 9, lostToOthers: 1, takenFromOthers: 0 },
      { agentId: 'weather', examples: 5, lostToOthers: 0, takenFromOthers: 1 },
    ])
    expect(calibration.crossedAgents).toBe(2)
    expect(calibration.precision).toBeGreaterThanOrEqual(0.9)
    expect(calibration.coverage).toBeGreaterThan(0)
    expect(calibration.rates.wrong).toBeLessThanOrEqual(0.1)
    expect(best - next).toBeGreaterThanOrEqual(0.05)
    expect(best).toBeGreaterThanOrEqual(0.15)
    expect(calibration.threshold.minScore).toBeGreaterThan(best)
    expect(await replay.json()).toEqual(calibration)
    expect(after.status).toBe(422)
    expect((await after.json()).error.message).toMatch(
      // The bar rounded up, as the refusal shows it.
      new RegExp(
        `it needs a score of ${(Math.ceil(calibration.threshold.minScore * 1000 - 1e-9) / 1000).toFixed(3)} and a lead`,
      ),
    )
  })

  it('is calibrated by npm run calibrate with the same code, replacing the stored threshold', async () => {
    // Prepare: the admin operation stores a calibration.
    const stored = await (await calibrate()).json()

    // Act: against this stack's database, its configuration from the environment.
    const { stdout } = await run(process.execPath, ['local/calibrate.ts'], {
      cwd: repositoryRoot,
      env: process.env,
    })

    // Assess
    const score = stored.threshold.minScore.toFixed(3)
    expect(stdout).toMatch(
      /^calibrated \/route from 14 skill examples of 2 agents \(28 embedding calls, local\)$/m,
    )
    expect(stdout).toMatch(
      /^agents' vectors: 2 read from the search index, 0 embedded \(the index lacked them: 0 of agents being indexed again, 0 missing, which npm run reindex mends\)$/m,
    )
    expect(stdout).toMatch(
      new RegExp(`^threshold: score ${score}, lead over the next 0\\.050$`, 'm'),
    )
    expect(stdout).toMatch(new RegExp(`^replaces score ${score}, lead 0\\.050 \\(`, 'm'))
    expect(stdout).toMatch(
      /^examples scored another agent first: calculator 1 of its 9 \(took 0 of others'\), weather 0 of its 5 \(took 1 of others'\)$/m,
    )
  })

  it('calibrates and removes over a calibration another release stored, which /route passes over and the trail keeps whole', async () => {
    // Prepare: a later release's calibration (a field renamed, another reshaped) in this stack's
    // settings table, its configuration from the environment as npm run calibrate reads it.
    const config = loadConfig()
    const database = createDocumentClient(config)
    const laterReleases = {
      threshold: { minScore: 0.99, minMargin: 0.5 },
      rates: { right: '90 %' },
      precisionOnExamples: 0.97,
      embedder: 'local',
      dimension: 384,
      calibratedAt: '2026-12-09T02:00:00.000Z',
    }
    const storeLaterReleases = () =>
      database.send(
        new PutCommand({
          TableName: tableName('settings', config.tablePrefix),
          Item: { name: 'route-threshold', value: laterReleases },
        }),
      )
    const trail = async () =>
      (
        await (
          await fetch(`${stack.url}/admin/audit?limit=5`, {
            headers: { authorization: `Bearer ${admin}` },
          })
        ).json()
      ).entries
    try {
      await storeLaterReleases()

      // Act
      const routed = await routeRest(percentage)
      await routed.text()
      const removed = await fetch(`${stack.url}/admin/route/calibrate`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      })
      const removal = (await trail())[0]
      await storeLaterReleases()
      const calibrated = await calibrate()
      await calibrated.text()
      const calibration = (await trail())[0]

      // Assess: /route reads none it cannot read (the configured threshold routes the message);
      // each change lands, answers as it does, and the trail keeps what it replaced as stored.
      expect(routed.headers.get('x-switchboard-agent')).toBe('calculator')
      expect([removed.status, calibrated.status]).toEqual([204, 200])
      expect(removal).toMatchObject({ action: 'route.calibration-remove', before: laterReleases })
      expect(calibration).toMatchObject({ action: 'route.calibrate', before: laterReleases })
    } finally {
      database.destroy()
    }
  })

  it('goes back to the configured threshold once the stored calibration is removed', async () => {
    // Prepare: a calibration stored (the tests above), which refuses this message
    expect((await routeRest(percentage)).status).toBe(422)
    const remove = () =>
      fetch(`${stack.url}/admin/route/calibrate`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      })

    // Act
    const removed = await remove()
    const again = await remove()
    const after = await routeRest(percentage)

    // Assess: ROUTE_MIN_SCORE's default routes it, as before any calibration; a retry is a 204 too
    expect([removed.status, again.status]).toEqual([204, 204])
    expect(after.status).toBe(200)
    expect(after.headers.get('x-switchboard-agent')).toBe('calculator')
    await after.text()
    const { entries } = await (
      await fetch(`${stack.url}/admin/audit?limit=5`, {
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'route.calibration-remove',
          target: 'route-threshold',
          before: expect.objectContaining({ threshold: expect.any(Object) }),
        }),
      ]),
    )
  })

  it('refuses to calibrate from too few examples with a 422 that says why, storing nothing', async () => {
    // Prepare: only the calculator is left, nothing to tell it from.
    const removed = await fetch(`${stack.url}/admin/agents/weather`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(removed.status).toBe(204)

    // Act
    const response = await calibrate()

    // Assess
    expect(response.status).toBe(422)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
    const problem = await response.json()
    expect(problem.type).toMatch(/too-few-examples$/)
    expect(problem.detail).toBe(
      'Calibration needs at least 2 active agents to tell apart; the catalog has 1.',
    )
  })
})
