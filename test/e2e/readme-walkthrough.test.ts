import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { postA2A, textMessageParams } from '../support/a2a-client.ts'
import { codeBlocks, readmeSection, repositoryRoot } from '../support/readme.ts'

const run = promisify(execFile)

/** The README's addresses, which the test replaces with its throw-away stack's. */
const readmeGatewayUrl = 'http://127.0.0.1:3000'
const readmeAgentPort = '4003'

describe("the README's 'Register another agent' walkthrough", () => {
  const blocks = codeBlocks(readmeSection('Register another agent'), 'sh')
  const [runAgent, adminToken, register, grant, call, undo] = blocks as string[]
  let stack: RunningStack
  let workDir: string
  /** 0 (a free port) until the agent says which it listens on. */
  let agentPort = '0'
  let agent: ChildProcess | undefined
  let agentOutput = ''
  /** A demo-client token authorized before the grant, as the Quick start's $TOKEN is. */
  let earlierToken: string

  /** A README block as it runs here: the stack's address and the agent's free port. */
  const localised = (block: string) =>
    // The port first: the stack's address may hold 4003 (a port 40030 to 40039).
    block.replaceAll(readmeAgentPort, agentPort).replaceAll(readmeGatewayUrl, stack.url)

  /**
   * Runs one block in bash in the walkthrough's folder, as a reader pastes it into the
   * same terminal: the variables earlier blocks set are still set.
   */
  const runBlock = async (block: string) => {
    const names = [...block.matchAll(/^([A-Za-z_]\w*)=/gm)].map((match) => match[1])
    const script = [
      'set -eo pipefail',
      '[ -f .variables ] && . ./.variables',
      localised(block),
      ...(names.length > 0 ? [`declare -p ${names.join(' ')} >> .variables`] : []),
    ].join('\n')
    const { stdout } = await run('bash', ['-c', script], { cwd: workDir, timeout: 20_000 })
    return stdout
  }

  /** A variable a block set, as the reader's shell holds it. */
  const variable = async (name: string) =>
    (await run('bash', ['-c', `. ./.variables; printf %s "$${name}"`], { cwd: workDir })).stdout

  const admin = async (method: string, path: string) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await variable('JWT')}` },
    })

  beforeAll(async () => {
    // As `npm start` runs it: the authorizer's answer cached per token for 300 s.
    stack = await startThrowawayStack({ authorizerCacheTtlSeconds: 300 })
    workDir = await mkdtemp(join(tmpdir(), 'switchboard-readme-'))
    earlierToken = await stack.token('demo-client')
    const quickStartCall = await postA2A(
      `${stack.url}/agents/weather/message:send`,
      earlierToken,
      textMessageParams('Weather in Tokyo?'),
    )
    expect(quickStartCall.status).toBe(200)
  })

  afterAll(async () => {
    if (agent?.pid !== undefined && agent.exitCode === null) {
      // The block's npm, its shell and the agent: one process group, stopped as Ctrl-C would.
      process.kill(-agent.pid, 'SIGINT')
      await once(agent, 'exit')
    }
    await stack?.stop()
    if (workDir) await rm(workDir, { recursive: true, force: true })
  })

  it('has the six steps this test runs: agent, admin token, register, grant, call, undo', () => {
    // Assess
    expect(blocks).toHaveLength(6)
    expect(runAgent).toContain(readmeAgentPort)
    expect(adminToken).toContain(`GATEWAY_URL=${readmeGatewayUrl}`)
    expect(register).toContain(
      'curl -X POST $GATEWAY_URL/admin/register -H "Authorization: Bearer $JWT" -d @agent_config.json',
    )
  })

  it('runs a second weather agent on its own port', async () => {
    // Act: on a free port (0), which it names
    agent = spawn('bash', ['-c', localised(runAgent as string)], {
      cwd: repositoryRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    agent.stdout?.on('data', (chunk) => {
      agentOutput += chunk
    })
    agent.stderr?.on('data', (chunk) => {
      agentOutput += chunk
    })
    const started = /weather agent on http:\/\/127\.0\.0\.1:(\d+)\n/
    while (!started.test(agentOutput)) {
      if (agent.exitCode !== null) throw new Error(`the agent exited: ${agentOutput}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    agentPort = started.exec(agentOutput)?.[1] as string

    // Assess
    const card = await fetch(`http://127.0.0.1:${agentPort}/.well-known/agent-card.json`)
    expect(card.status).toBe(200)
    expect((await card.json()).name).toBe('Weather')
  })

  it('gets a token of the admin client', async () => {
    // Act
    await runBlock(adminToken as string)

    // Assess
    expect(await variable('GATEWAY_URL')).toBe(stack.url)
    expect((await admin('GET', '/admin/agents')).status).toBe(200)
  })

  it("registers weather-2 with the seed's curl command, word for word", async () => {
    // Act
    const stdout = await runBlock(register as string)

    // Assess
    expect(JSON.parse(stdout)).toMatchObject({
      agentId: 'weather-2',
      backendUrl: `http://127.0.0.1:${agentPort}`,
      status: 'active',
      card: { name: 'Weather' },
    })
  })

  it('grants weather-2 to the weather:invoke scope, keeping weather', async () => {
    // Act
    const stdout = await runBlock(grant as string)

    // Assess
    expect(JSON.parse(stdout)).toEqual({
      scope: 'weather:invoke',
      agents: ['weather', 'weather-2'],
      etag: expect.stringMatching(/^"[^"]+"$/),
    })
  })

  it('still refuses a token authorized before the grant, as the README warns', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/weather-2/message:send`,
      earlierToken,
      textMessageParams('Weather in Lima?'),
    )

    // Assess
    expect(response.status).toBe(403)
  })

  it('calls weather-2 with a new token and gets its answer', async () => {
    // Act
    const stdout = await runBlock(call as string)

    // Assess
    const answer = JSON.parse(stdout)
    expect(answer.error).toBeUndefined()
    expect(answer.result.task.status.state).toBe('TASK_STATE_COMPLETED')
    expect(JSON.stringify(answer.result.task.artifacts)).toContain('weather in Lima, Peru')
  })

  it('deletes weather-2, which takes it out of weather:invoke again', async () => {
    // Act
    await runBlock(undo as string)

    // Assess
    expect((await admin('GET', '/admin/agents/weather-2')).status).toBe(404)
    const { permissions } = await (await admin('GET', '/admin/permissions')).json()
    expect(permissions).toContainEqual({
      scope: 'weather:invoke',
      agents: ['weather'],
      etag: expect.any(String),
    })
  })
})
