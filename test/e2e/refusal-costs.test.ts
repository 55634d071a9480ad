import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { captureOutput } from '../support/captured-output.ts'

/**
 * What a refused request makes the gateway spend, counted locally: the DynamoDB requests at the
 * local database and the log lines the handlers write (on AWS, CloudWatch Logs ingests them and
 * an alarm watches the ERROR ones). Counts and levels, never times.
 */
describe('what a refused request costs, through the local gateway', () => {
  let stack: RunningStack
  let written: string[] = []
  const before = process.env.POWERTOOLS_LOG_LEVEL

  beforeAll(async () => {
    // INFO, as Terraform's default `log_level` has it on AWS.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
    written = captureOutput()
    stack = await startThrowawayStack()
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await stack.stop()
    if (before === undefined) delete process.env.POWERTOOLS_LOG_LEVEL
    else process.env.POWERTOOLS_LOG_LEVEL = before
  })

  /** The DynamoDB requests and the handlers' JSON log lines `act` caused. */
  const costOf = async (act: () => Promise<Response>) => {
    const requestsBefore = stack.databaseRequests()
    const linesBefore = written.length
    const response = await act()
    const body = await response.text()
    const byOperation = Object.fromEntries(
      Object.entries(stack.databaseRequests())
        .map(([operation, count]) => [operation, count - (requestsBefore[operation] ?? 0)] as const)
        .filter(([, count]) => count > 0),
    )
    const requests = Object.values(byOperation).reduce((sum, count) => sum + count, 0)
    const lines = written
      .slice(linesBefore)
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{"level"'))
    const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0)
    return {
      status: response.status,
      body,
      requests,
      byOperation,
      bytes,
      lines: lines.map((line) => JSON.parse(line) as { level: string; message: string }),
    }
  }

  it.each([
    ['2,100 letters', 'a'.repeat(2_100)],
    ['700 three-byte characters', encodeURIComponent('€'.repeat(700))],
    ['capitals', 'Weather'],
  ])(
    "answers a stranger's card request naming an id no agent can have (%s) as for any unknown agent, reading nothing, logging no error",
    async (_name, agentId) => {
      // Act: a stranger's request, no token (the card route has no authorizer).
      const cost = await costOf(() =>
        fetch(`${stack.url}/agents/${agentId}/.well-known/agent-card.json`),
      )

      // Assess: 401, as for an agent that is not public or not there (a stranger learns nothing).
      expect(cost.status, cost.body).toBe(401)
      expect(cost.requests).toBe(0)
      expect(cost.lines.filter((line) => line.level === 'ERROR')).toEqual([])
    },
  )

  it("logs a stranger's card request in as many bytes whatever the length of the id its path names", async () => {
    // Prepare: what a refusal of an unknown agent's card costs in log bytes.
    const short = await costOf(() =>
      fetch(`${stack.url}/agents/never-registered/.well-known/agent-card.json`),
    )

    // Act: the same refusal for a path of 6,000 characters (a regional REST API takes URLs of up
    // to 10,240, and the card route has no authorizer, whose 1,600-byte method ARN would cap it).
    const long = await costOf(() =>
      fetch(`${stack.url}/agents/${'a'.repeat(6_000)}/.well-known/agent-card.json`),
    )

    // Assess: the same answer, and within 100 bytes of the short one's lines (not the 6 KB more
    // that echoing the id took).
    expect([short.status, long.status]).toEqual([401, 401])
    expect(long.lines.length).toBe(short.lines.length)
    expect(long.bytes).toBeLessThan(short.bytes + 100)
  })

  /** A JSON-RPC SendMessage to the weather agent whose message refers to `count` tasks. */
  const referringTo = (token: string, count: number) =>
    fetch(`${stack.url}/agents/weather`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'a2a-version': '1.0',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'SendMessage',
        params: {
          message: {
            messageId: 'm-refs',
            role: 'ROLE_USER',
            parts: [{ text: 'Weather in Tokyo?' }],
            // Short ids, so that many fit a body: '0' … 'a' … '10' …
            referenceTaskIds: Array.from({ length: count }, (_, i) => i.toString(36)),
          },
        },
      }),
    })

  it('refuses a message referring to more tasks than one read of their owners holds, before reading any (each is a strongly consistent read on AWS)', async () => {
    // Prepare: a caller with a grant; what a message referring to one unknown task reads.
    const token = await stack.token('demo-client')
    const one = await costOf(() => referringTo(token, 1))

    // Act: 20,000 references (some 120 KB of body) read 200 batches of owners before this fix.
    const many = await costOf(() => referringTo(token, 20_000))

    // Assess: invalid params naming the bound, and no more batch reads than for the one.
    expect(JSON.parse(one.body).error.code).toBe(-32001)
    expect(JSON.parse(many.body).error).toMatchObject({
      code: -32602,
      message: expect.stringContaining('at most 100'),
    })
    expect(many.byOperation.BatchGetItem ?? 0).toBeLessThanOrEqual(
      one.byOperation.BatchGetItem ?? 0,
    )
  })

  it('refuses a message referring to half a million tasks as invalid params, logging no error', async () => {
    // Prepare
    const token = await stack.token('demo-client')

    // Act: 500,000 references in 3.5 MB, within the body a Lambda takes.
    const cost = await costOf(() => referringTo(token, 500_000))

    // Assess: the caller's mistake, not the gateway's 500 (the 5xx alarm's) and an ERROR line.
    expect(JSON.parse(cost.body).error.code, cost.body).toBe(-32602)
    expect(cost.lines.filter((line) => line.level === 'ERROR')).toEqual([])
  })
})
