import { getNamespace, Segment, setSegment } from 'aws-xray-sdk-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { A2ACall } from '../../../lib/a2a/request.ts'
import { forwardReported } from '../../../lib/agents/forward.ts'
import type { ForwardCallOptions } from '../../../lib/backend/forward-call.ts'
import {
  createTracing,
  parseTraceparent,
  requestTraceContext,
  type Tracing,
  traceIdFromXRay,
  tracingWanted,
} from '../../../lib/observability/tracing.ts'
import { forwardOptionsWith } from '../../support/forward-options.ts'
import { weatherRecord } from '../../support/weather-record.ts'

const agentUrl = 'http://weather.test/rpc'
const record = weatherRecord('JSONRPC', agentUrl)
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} })
const call: A2ACall = {
  agentId: 'weather',
  operation: 'SendMessage',
  version: '1.0',
  params: {},
  stream: false,
  binding: 'JSONRPC',
  jsonRpcId: 1,
  body,
}

/** Forwarding options around a fetch that records what the agent was sent. */
const forwardingTo = (sent: Headers[]): Omit<ForwardCallOptions, 'onEnd' | 'traceHeaders'> => {
  const fetch = async (_url: string, init: RequestInit) => {
    sent.push(new Headers(init.headers))
    return new Response('{"jsonrpc":"2.0","id":1,"result":{}}', {
      headers: { 'content-type': 'application/json' },
    })
  }
  return forwardOptionsWith(fetch)
}
const incoming = { method: 'POST', headers: { 'content-type': 'application/json' }, body }

describe('tracing', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('records a forwarded call as a subsegment annotated with agent, operation, binding and status, the parent of its traceparent', async () => {
    // Prepare: Tracer enabled as on Lambda, a real X-Ray segment current.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
    const tracing = await createTracing(true)
    const segment = new Segment('switchboard-agents')
    const trace = requestTraceContext({}, { Root: segment.trace_id })
    const sent: Headers[] = []

    // Act
    const answer = await getNamespace().runAndReturn(() => {
      setSegment(segment)
      return forwardReported(
        record,
        call,
        incoming,
        forwardingTo(sent),
        { context: trace, tracing },
        () => {},
      )
    })

    // Assess
    expect(tracing.enabled).toBe(true)
    expect(answer.statusCode).toBe(200)
    const [subsegment] = segment.subsegments ?? []
    expect(subsegment?.name).toBe('forward to agent')
    expect(subsegment?.toJSON().annotations).toEqual({
      agentId: 'weather',
      operation: 'SendMessage',
      binding: 'JSONRPC',
      traceId: trace.traceId,
      status: 200,
    })
    expect(subsegment?.isClosed()).toBe(true)
    const traceparent = parseTraceparent(sent[0]?.get('traceparent') ?? undefined)
    expect(traceparent).toEqual({
      traceId: traceIdFromXRay(segment.trace_id),
      parentId: subsegment?.id,
      flags: '01',
    })
  })

  it('sends a traceparent with a fresh span when tracing is off, and records nothing', async () => {
    // Prepare
    const tracing = await createTracing(false)
    const trace = requestTraceContext({}, undefined)
    const sent: Headers[] = []

    // Act
    await forwardReported(
      record,
      call,
      incoming,
      forwardingTo(sent),
      { context: trace, tracing },
      () => {},
    )

    // Assess
    expect(tracing.enabled).toBe(false)
    const traceparent = parseTraceparent(sent[0]?.get('traceparent') ?? undefined)
    expect(traceparent?.traceId).toBe(trace.traceId)
    expect(traceparent?.parentId).toMatch(/^[0-9a-f]{16}$/)
    expect(sent[0]?.has('tracestate')).toBe(false)
  })

  it.each([
    ['POWERTOOLS_SERVICE_NAME when set, as Powertools does', 'team-agent', 'team-agent'],
    ['switchboard without it', '', 'switchboard'],
  ])('annotates the handler’s subsegment with the service %s', async (_, service, expected) => {
    // Prepare: Tracer enabled as on Lambda, a real X-Ray segment current.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', service)
    const tracing = await createTracing(true)
    const segment = new Segment('team-agent')
    const request = { event: {}, context: {}, internal: {} } as Parameters<
      NonNullable<ReturnType<Tracing['handlerMiddleware']>['before']>
    >[0]

    // Act
    await getNamespace().runAndReturn(() => {
      setSegment(segment)
      return tracing.handlerMiddleware().before?.(request)
    })

    // Assess
    const [handlerSubsegment] = segment.subsegments ?? []
    expect(handlerSubsegment?.toJSON().annotations?.Service).toBe(expected)
  })

  it('loads Tracer only on Lambda, and not when POWERTOOLS_TRACE_ENABLED is false', () => {
    // Assess
    expect(tracingWanted({})).toBe(false)
    expect(tracingWanted({ POWERTOOLS_TRACE_ENABLED: 'true' })).toBe(false)
    expect(tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' })).toBe(true)
    expect(
      tracingWanted({
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        POWERTOOLS_TRACE_ENABLED: 'false',
      }),
    ).toBe(false)
  })
})

describe('requestTraceContext', () => {
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736'
  const callerSpan = '00f067aa0ba902b7'

  it('maps the X-Ray trace id of the Lambda invocation to the W3C one', () => {
    // Act
    const trace = requestTraceContext(
      {},
      { Root: '1-5759e988-bd862e3fe1be46a994272793', Sampled: '1' },
    )

    // Assess
    expect(trace).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', flags: '01' })
  })

  it('keeps the trace id, span and tracestate of a valid caller traceparent, over X-Ray’s', () => {
    // Act
    const trace = requestTraceContext(
      { Traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: 'vendor=abc' },
      { Root: '1-5759e988-bd862e3fe1be46a994272793' },
    )

    // Assess
    expect(trace).toEqual({
      traceId: callerTrace,
      callerSpanId: callerSpan,
      flags: '01',
      tracestate: 'vendor=abc',
    })
  })

  it.each([
    'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    'fw529a3039@dt=FW4;0;0;0;0;0;0;ab, , tenant-1@vendor=v',
    '1vendor=x,a@b@c=y',
  ])('passes on the W3C tracestate %s as it came', (tracestate) => {
    // Act
    const trace = requestTraceContext(
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate },
      undefined,
    )

    // Assess
    expect(trace.tracestate).toBe(tracestate)
  })

  it.each([
    ['a member with no value', 'vendor'],
    ['an upper-case key', 'Vendor=abc'],
    ['a value holding =', 'vendor=a=b'],
    ['a control character', 'vendor=a\x01b'],
    ['a byte-order mark', '\ufeffvendor=abc'],
    ['a vertical tab', 'vendor=abc\v'],
    ['only empty members', ' , ,'],
  ])('drops a tracestate with %s, keeping the trace', (_what, tracestate) => {
    // Act
    const trace = requestTraceContext(
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate },
      undefined,
    )

    // Assess
    expect(trace.traceId).toBe(callerTrace)
    expect(trace.tracestate).toBeUndefined()
  })

  const members = (count: number, value = 'v') =>
    Array.from({ length: count }, (_, i) => `k${i}=${value}`)

  it.each([
    ['a member with a control character', 'rojo=1,vendor=a\x01b,congo=2', 'rojo=1,congo=2'],
    ['an ideographic space before a member', 'a=b,\u3000c=d', 'a=b'],
    ['an upper-case key among them', 'Vendor=abc,rojo=1', 'rojo=1'],
    ['a key given twice', 'rojo=new,congo=1,rojo=old', 'rojo=new,congo=1'],
    ['33 members, empty ones too', `k=v${','.repeat(32)}`, 'k=v'],
    ['33 members', members(33).join(','), members(32).join(',')],
  ])('passes on the valid members of a tracestate with %s', (_what, tracestate, passed) => {
    // Act
    const trace = requestTraceContext(
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate },
      undefined,
    )

    // Assess: one vendor's bad entry does not cost the others theirs.
    expect(trace.tracestate).toBe(passed)
  })

  it('cuts a tracestate over 512 characters as W3C says: members over 128 first, then from the end', () => {
    // Arrange: 600 characters, one member of 200 in the middle.
    const long = `big=${'x'.repeat(196)}`
    const short = members(20, 'y'.repeat(16))
    const tracestate = [...short.slice(0, 10), long, ...short.slice(10)].join(',')

    // Act
    const trace = requestTraceContext(
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate },
      undefined,
    )

    // Assess: the long member goes, and the short ones fit.
    expect(trace.tracestate).toBe(short.join(','))
    expect(tracestate.length).toBeGreaterThan(512)

    // Act: with the long one gone and still too long, members go from the end.
    const tooMany = members(30, 'z'.repeat(20)).join(',')
    const cut = requestTraceContext(
      { traceparent: `00-${callerTrace}-${callerSpan}-01`, tracestate: tooMany },
      undefined,
    ).tracestate

    // Assess
    expect(cut).toBe(members(20, 'z'.repeat(20)).join(','))
  })

  it.each([
    ['garbage', 'not-a-traceparent'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${callerSpan}-01`],
    ['an all-zero span id', `00-${callerTrace}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${callerTrace}-${callerSpan}-01`],
    ['upper-case hex', `00-${callerTrace.toUpperCase()}-${callerSpan}-01`],
    ['a version-00 header with more fields', `00-${callerTrace}-${callerSpan}-01-extra`],
  ])('ignores a traceparent with %s, and its tracestate', (_what, traceparent) => {
    // Act
    const trace = requestTraceContext({ traceparent, tracestate: 'vendor=abc' }, undefined)

    // Assess
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(trace.traceId).not.toBe(callerTrace)
    expect(trace.tracestate).toBeUndefined()
  })

  it('uses the X-Amzn-Trace-Id header API Gateway adds when the invocation has no trace', () => {
    // Act
    const trace = requestTraceContext(
      { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0' },
      undefined,
    )

    // Assess
    expect(trace).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', flags: '00' })
  })

  it('starts a fresh trace for each request that brings none', () => {
    // Act
    const first = requestTraceContext(undefined, undefined)
    const second = requestTraceContext(undefined, undefined)

    // Assess
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(second.traceId).not.toBe(first.traceId)
  })
})
