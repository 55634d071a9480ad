import '../../../local/awslambda-shim.ts'
import { PassThrough, Writable } from 'node:stream'
import { Logger } from '@aws-lambda-powertools/logger'
import middy from '@middy/core'
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { accessLog } from '../../../middlewares/access-log.ts'
import { invoke, lambdaContext, sampleEvent } from '../../support/events.ts'

/** A logger whose lines a test reads, as JSON, in the order they were written. */
const capturingLogger = () => {
  const lines: Record<string, unknown>[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
    return true
  })
  const logger = new Logger({ serviceName: 'switchboard', logLevel: 'INFO' })
  return { logger, lines }
}

const event = () => sampleEvent<APIGatewayProxyEvent>('agents-jsonrpc-send-message.json')

/**
 * Invokes, as the Lambda runtime invokes a streaming handler, a handler behind `access` whose
 * answer has `body`; resolves once the answer has gone out and the line's hook has run.
 */
const invokeStreaming = (access: ReturnType<typeof accessLog>, body: PassThrough | string) => {
  const handler = middy({ executionMode: executionModeStreamifyResponse, ...access.plugin })
    .use(access.middleware)
    .handler(async () => ({ statusCode: 200, headers: {}, body }))
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() })
  return (handler as unknown as (e: unknown, s: Writable, c: unknown) => Promise<void>)(
    event(),
    sink,
    lambdaContext('switchboard-agents'),
  )
}

describe('accessLog', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('carries the logger’s keys, such as the trace id another middleware appended', async () => {
    // Prepare
    const { logger, lines } = capturingLogger()
    const access = accessLog({ logger })
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const handler = middy(access.plugin)
      .use(access.middleware)
      .use({ before: () => logger.appendKeys({ traceId }) })
      .handler(async () => ({ statusCode: 200, body: '{}' }))

    // Act
    await invoke(handler, event())

    // Assess
    expect(lines).toEqual([expect.objectContaining({ message: 'access', traceId, status: 200 })])
  })

  it('writes the line of an answer given early by a before middleware, which Middy’s after never sees', async () => {
    // Prepare
    const { logger, lines } = capturingLogger()
    const access = accessLog({ logger, describe: () => ({ principal: 'demo-client' }) })
    const handler = middy(access.plugin)
      .use(access.middleware)
      .use({ before: () => ({ statusCode: 429, body: 'slow down' }) })
      .handler(async () => ({ statusCode: 200, body: 'never' }))

    // Act
    await invoke(handler, event())

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'access',
        principal: 'demo-client',
        status: 429,
        bytes: 9,
        correlation_id: event().requestContext.requestId,
      }),
    ])
  })

  it('writes a stream’s line only once the stream has ended, with the bytes it sent', async () => {
    // Prepare
    const { logger, lines } = capturingLogger()
    const access = accessLog({ logger })
    const body = new PassThrough()
    const handler = middy({ executionMode: executionModeStreamifyResponse, ...access.plugin })
      .use(access.middleware)
      .handler(async () => ({ statusCode: 200, headers: {}, body }))
    const order: string[] = []
    const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() })

    // Act
    const done = (handler as unknown as (e: unknown, s: Writable, c: unknown) => Promise<void>)(
      event(),
      sink,
      lambdaContext('switchboard-agents'),
    ).then(() => order.push(`logged ${lines.length}`))
    await new Promise((resolve) => setTimeout(resolve, 10))
    order.push(`open ${lines.length}`)
    body.write('data: one\n\n')
    body.end('data: two\n\n')
    await done

    // Assess
    expect(order).toEqual(['open 0', 'logged 1'])
    expect(lines[0]).toMatchObject({ status: 200, bytes: 22 })
  })

  it('carries how the forward ended, the agent’s status beside the caller’s, read when the line is written', async () => {
    // Prepare: the outcome is filled in after the handler returned, as a stream's relay does.
    const { logger, lines } = capturingLogger()
    const forwarded: Record<string, unknown> = {}
    const access = accessLog({
      logger,
      describe: () => ({ agent: 'weather', operation: 'SendStreamingMessage', ...forwarded }),
    })
    const body = new PassThrough()

    // Act
    const done = invokeStreaming(access, body)
    body.write('data: one\n\n')
    Object.assign(forwarded, { agentStatus: 503, agentMs: 7, chunks: 1, error: 'Error: broken' })
    body.end()
    await done

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'access',
        agent: 'weather',
        status: 200,
        agentStatus: 503,
        agentMs: 7,
        chunks: 1,
        error: 'Error: broken',
      }),
    ])
  })

  it('waits for a report that comes after the answer has ended before it writes the line', async () => {
    // Prepare: the outcome is reported after the stream has ended, as a relay closing late does.
    const { logger, lines } = capturingLogger()
    const forwarded: Record<string, unknown> = {}
    let report = () => {}
    const reported = new Promise<void>((resolve) => {
      report = () => {
        Object.assign(forwarded, { agentStatus: 200, chunks: 1, error: 'Error: caller gone' })
        resolve()
      }
    })
    const access = accessLog({
      logger,
      describe: () => ({ agent: 'weather', ...forwarded }),
      settled: () => reported,
    })
    const body = new PassThrough()

    // Act
    const done = invokeStreaming(access, body)
    body.end('data: one\n\n')
    await new Promise((resolve) => setImmediate(resolve))
    const linesBeforeReport = lines.length
    report()
    await done

    // Assess
    expect(linesBeforeReport).toBe(0)
    expect(lines).toEqual([
      expect.objectContaining({ agent: 'weather', agentStatus: 200, error: 'Error: caller gone' }),
    ])
  })

  it('writes a stream’s line without the report when it does not come within settleMs', async () => {
    // Prepare
    const { logger, lines } = capturingLogger()
    const access = accessLog({
      logger,
      describe: () => ({ agent: 'weather' }),
      settled: () => new Promise(() => {}),
      settleMs: 5,
    })

    const body = new PassThrough()

    // Act
    const done = invokeStreaming(access, body)
    body.end('data: one\n\n')
    await done

    // Assess
    expect(lines).toEqual([expect.objectContaining({ message: 'access', agent: 'weather' })])
  })

  it('writes a 502 for a function that failed with no answer', async () => {
    // Prepare
    const { logger, lines } = capturingLogger()
    const access = accessLog({ logger })
    const handler = middy(access.plugin)
      .use(access.middleware)
      .handler(async () => {
        throw new Error('boom')
      })

    // Act
    await invoke(handler, event()).catch(() => undefined)

    // Assess
    expect(lines).toEqual([expect.objectContaining({ status: 502 })])
  })
})
