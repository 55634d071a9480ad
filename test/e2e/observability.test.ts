import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { metricDefinitions, metricsNamespace } from '../../lib/observability/metrics.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { inOneMinute } from '../support/one-minute.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { putPermission, registerAgents } from '../support/stack-setup.ts'

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }
  [field: string]: unknown
}

describe('metrics and logs the gateway emits, as CloudWatch reads them', () => {
  let stack: RunningStack
  let token: string
  let written: string[] = []
  const before = {
    metricsSink: process.env.METRICS_SINK,
    metricsDisabled: process.env.POWERTOOLS_METRICS_DISABLED,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL,
  }
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }

  beforeAll(async () => {
    // npm start serves metrics as Prometheus text and logs warnings only; on Lambda
    // metrics are EMF and info lines are on.
    process.env.METRICS_SINK = 'emf'
    process.env.POWERTOOLS_METRICS_DISABLED = 'false'
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'
    // Routes by meaning: the offline model, not the hashing embedder the test run sets.
    stack = await startThrowawayStack({ embedder: 'local' })
    const gone = await startScriptedAgent({
      answer: (_request, _body, response) => void response.end(),
    })
    await registerAgents(stack, [
      { agentId: 'gone', backendUrl: gone.url, agentCardUrl: gone.cardUrl },
    ])
    await gone.stop()
    // One call a minute to 'gone', so its second is refused.
    await putPermission({
      scope: 'calculator:invoke',
      agents: ['calculator', 'gone'],
      agentLimits: { gone: 1 },
    })
    token = await stack.token('demo-client')
    // Kept for the assertions, not printed: they would bury the test run's own output.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await stack.stop()
    restore('METRICS_SINK', before.metricsSink)
    restore('POWERTOOLS_METRICS_DISABLED', before.metricsDisabled)
    restore('POWERTOOLS_LOG_LEVEL', before.logLevel)
  })

  /** Every JSON log line (not EMF) written so far. */
  const logLines: Record<string, unknown>[] = []

  /** The lines written since the last look: log lines kept in `logLines`, EMF documents returned. */
  const drained = (): EmfDocument[] => {
    const lines = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
    written = []
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    logLines.push(...parsed.filter((line) => !('_aws' in line)))
    return parsed.filter((line): line is EmfDocument => '_aws' in line)
  }

  /** The EMF documents written since the last look, waiting a little for a stream's to arrive. */
  const emitted = async (metric: string): Promise<EmfDocument[]> => {
    for (let i = 0; i < 250 && !written.join('').includes(`"${metric}"`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return drained()
  }

  /** The access line of the request API Gateway answered with this id, waiting a little for it. */
  const accessLineOf = async (requestId: string | null) => {
    const find = () =>
      logLines.find((line) => line.message === 'access' && line.correlation_id === requestId)
    for (let i = 0; i < 250 && !find(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      drained()
    }
    return find()
  }

  /** The document of `emitted` that carries this metric. */
  const carrying = (documents: EmfDocument[], metric: string) =>
    documents.find((document) => metric in document)

  it('counts and times each call per agent and operation, in the dimension sets metricDefinitions names', async () => {
    // Act
    const unary = await postA2A(
      `${stack.url}/agents/calculator`,
      token,
      jsonRpc('SendMessage', textMessageParams('2+2')),
    )
    await unary.text()
    const documents = await emitted('Calls')
    const call = carrying(documents, 'Calls')
    const duration = carrying(documents, 'CallDuration')

    // Assess
    expect(call).toMatchObject({ agent: 'calculator', operation: 'SendMessage', Calls: 1 })
    expect(call).not.toHaveProperty('CallFailures')
    expect(call?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: metricsNamespace,
      Dimensions: metricDefinitions.Calls.dimensionSets,
    })
    expect(duration?.CallDuration).toBeTypeOf('number')
    expect(duration?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual(
      metricDefinitions.CallDuration.dimensionSets,
    )
  })

  it('counts and times a streamed call as a stream per agent when the stream ends', async () => {
    // Act
    const stream = await postA2A(
      `${stack.url}/agents/calculator/message:stream`,
      token,
      textMessageParams('3*3'),
    )
    await stream.text()
    const documents = await emitted('StreamDuration')

    // Assess
    expect(carrying(documents, 'Calls')).toMatchObject({
      agent: 'calculator',
      operation: 'SendStreamingMessage',
    })
    const streamed = carrying(documents, 'Streams')
    expect(streamed).toMatchObject({ agent: 'calculator', Streams: 1 })
    expect(streamed?.StreamDuration).toBeTypeOf('number')
    expect(streamed?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['agent']])
  })

  it('counts a request the authorizer turned away, by reason', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/calculator`,
      'not-a-token',
      jsonRpc('SendMessage', textMessageParams('1+1')),
    )
    await response.text()
    const denial = carrying(await emitted('AuthorizerDenials'), 'AuthorizerDenials')

    // Assess
    expect(response.status).toBe(401)
    expect(denial).toMatchObject({ reason: 'ERR_JWS_INVALID', AuthorizerDenials: 1 })
    expect(denial?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['reason']])
  })

  it('counts a call its agent could not answer as failed, and one over the limit as refused', async () => {
    // Prepare: both calls in one clock minute, the limit's window (a wait of up to 15.5 s).
    await inOneMinute()

    // Act: the first call spends the minute's one allowed call; the second is refused.
    const failed = await postA2A(
      `${stack.url}/agents/gone/message:send`,
      token,
      textMessageParams('hi'),
    )
    await failed.text()
    const failure = carrying(await emitted('CallFailures'), 'CallFailures')
    const refused = await postA2A(
      `${stack.url}/agents/gone/message:send`,
      token,
      textMessageParams('hi'),
    )
    await refused.text()
    const refusal = carrying(await emitted('CallsRefused'), 'CallsRefused')

    // Assess
    expect(failed.status).toBe(502)
    expect(failure).toMatchObject({ agent: 'gone', Calls: 1, CallFailures: 1 })
    const failedLine = await accessLineOf(failed.headers.get('x-amzn-requestid'))
    expect(failedLine).toMatchObject({ agent: 'gone', status: 502, error: expect.any(String) })
    expect(failedLine).not.toHaveProperty('agentStatus')
    expect(refused.status).toBe(429)
    expect(refusal).toMatchObject({ agent: 'gone', reason: 'rate-limit', CallsRefused: 1 })
  }, 40_000)

  it('counts what /route did with a message', async () => {
    // Act
    const routed = await postA2A(
      `${stack.url}/route`,
      token,
      jsonRpc('SendMessage', textMessageParams('what is 15% of 80')),
    )
    const { task } = (await routed.json()).result
    const byText = await emitted('Routed')
    const followUp = await postA2A(
      `${stack.url}/route`,
      token,
      jsonRpc('SendMessage', {
        message: {
          messageId: crypto.randomUUID(),
          role: 'ROLE_USER',
          taskId: task.id,
          parts: [{ text: 'and 20% of it?' }],
        },
      }),
    )
    await followUp.text()
    const byTask = await emitted('Routed')

    // Assess: the follow-up, routed by its task, counts as routed too.
    for (const documents of [byText, byTask]) {
      expect(documents).toContainEqual(expect.objectContaining({ agent: 'calculator', Routed: 1 }))
    }
  })

  it('logs a call in one line, the access line, with the request id API Gateway answered with, the agent’s status, and never the token', async () => {
    // Act
    const response = await postA2A(
      `${stack.url}/agents/calculator`,
      token,
      jsonRpc('SendMessage', textMessageParams('1+1')),
    )
    await response.text()
    await emitted('Calls')
    const requestId = response.headers.get('x-amzn-requestid')
    const line = await accessLineOf(requestId)

    // Assess
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(line).toMatchObject({
      level: 'INFO',
      agent: 'calculator',
      operation: 'SendMessage',
      principal: 'demo-client',
      status: 200,
      agentStatus: 200,
      agentMs: expect.any(Number),
    })
    expect(logLines.filter((entry) => entry.correlation_id === requestId)).toEqual([line])
    expect(logLines.filter((entry) => entry.message === 'call forwarded')).toEqual([])
    expect(JSON.stringify(logLines)).not.toContain(token)
  })
})
