import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import { type TraceContextContext, traceContext } from '../../../middlewares/trace-context.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'

describe('traceContext middleware', () => {
  it('puts the caller’s trace in context.trace and its traceId in the logger’s keys', async () => {
    // Prepare
    const logger = { appendKeys: vi.fn() }
    const event = sampleEvent('agents-jsonrpc-send-message.json', (event) => {
      event.headers.traceparent = `00-${callerTrace}-00f067aa0ba902b7-01`
    })
    const handler = middy<APIGatewayProxyEvent, unknown, Error, TraceContextContext>()
      .use(traceContext({ logger }))
      .handler(async (_event, context) => context.trace)

    // Act
    const trace = await invoke(handler, event)

    // Assess
    expect(trace).toMatchObject({ traceId: callerTrace, callerSpanId: '00f067aa0ba902b7' })
    expect(logger.appendKeys).toHaveBeenCalledWith({ traceId: callerTrace })
  })

  it('refuses to be built without a logger that takes keys', () => {
    // Act and assess
    expect(() => traceContext({ logger: {} as never })).toThrow(
      'traceContext: options.logger must have appendKeys()',
    )
  })
})
