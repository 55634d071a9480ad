import { randomFillSync } from 'node:crypto'
import { getXrayTraceDataFromEnv } from '@aws-lambda-powertools/commons/utils/env'
import type { Tracer } from '@aws-lambda-powertools/tracer'
import type { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'
import { isThrottlingError } from '@smithy/core/retry'
import { headerOf } from '../http/lambda-event.ts'

/**
 * The gateway's tracing, all of it behind this one module: Powertools Tracer
 * (the X-Ray SDK, in maintenance mode since February 2026) today; a move to
 * OpenTelemetry replaces this file and nothing else. Also the W3C trace context
 * (`traceparent`, `tracestate`) every forwarded call carries, so an agent's own
 * tracing joins the caller's and the gateway's trace.
 */

/** What X-Ray indexes on a (sub)segment, to search traces by. */
export type Annotations = Record<string, string | number | boolean>

/** One traced piece of work, as the work itself sees it. */
export interface Span {
  /** 16 hex digits: the parent id an outgoing `traceparent` names. */
  readonly id: string
  annotate(key: string, value: string | number | boolean): void
}

/**
 * An AWS request made without the SDK's client (the lean DynamoDB path), described as the
 * X-Ray SDK's AWS capture describes the SDK's: the `aws` attribute records `inputParameters` of
 * `input` and `outputParameters` of the output, snake-cased (its whitelist's names: `table_name`).
 */
export interface AwsCall {
  /** The service as the SDK's client is named, without `Client`: `DynamoDB`. */
  service: string
  /** The API operation: `GetItem`. */
  operation: string
  region: string
  input: Record<string, unknown>
  inputParameters: readonly string[]
  outputParameters: readonly string[]
}

/** What an AWS call's output or error says of it (the SDK's `$metadata`). */
interface AwsMetadata {
  httpStatusCode?: number
  requestId?: string
  attempts?: number
}

export interface Tracing {
  /** Whether (sub)segments are recorded (on Lambda, unless POWERTOOLS_TRACE_ENABLED=false). */
  readonly enabled: boolean
  /** The AWS SDK v3 client, each of its calls a subsegment when tracing is on. */
  captureClient<T>(client: T): T
  /**
   * Runs `work` in a subsegment named `name` carrying `annotations`; a thrown
   * error is recorded on it. When tracing is off, `work` runs as it is, with a
   * fresh span id (a forwarded call still names a parent).
   *
   * @example
   * await tracing.span('registry lookup', { agentId }, () => registry.get(agentId))
   */
  span<T>(name: string, annotations: Annotations, work: (span: Span) => Promise<T>): Promise<T>
  /**
   * Runs `work`, an AWS request, in a subsegment shaped as the X-Ray SDK's AWS capture makes one,
   * so the service stays on the trace map: named for the service, `namespace: 'aws'`, `aws`
   * (operation, region, request_id, retries, the call's parameters), `http.response.status`,
   * throttle / error (4xx) / fault (5xx) flags, from the output's or the error's `$metadata`.
   */
  awsCall<T extends { $metadata?: AwsMetadata }>(
    call: AwsCall,
    annotations: Annotations,
    work: () => Promise<T>,
  ): Promise<T>
  /** The function wrapped so that each call is a subsegment named `name`. */
  traced<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R>
  /** Powertools' `captureLambdaHandler` middleware (the `## handler` subsegment), or nothing. */
  handlerMiddleware(): ReturnType<typeof captureLambdaHandler>
}

/** The X-Ray SDK's subsegment, as Tracer hands it over. */
type Subsegment = NonNullable<Parameters<Parameters<Tracer['provider']['captureAsyncFunc']>[1]>[0]>

/** Random bytes filled 4 KiB at a time (as `randomUUID` batches its own): ids cost no call into crypto each. */
const randomPool = Buffer.alloc(4096)
let randomUsed = randomPool.length

/** `bytes` random bytes as hex, from the pool; each byte is handed out once. */
const randomHex = (bytes: number) => {
  if (randomUsed + bytes > randomPool.length) {
    randomFillSync(randomPool)
    randomUsed = 0
  }
  const hex = randomPool.toString('hex', randomUsed, randomUsed + bytes)
  randomUsed += bytes
  return hex
}

const untraced: Tracing = {
  enabled: false,
  captureClient: (client) => client,
  span: (_name, _annotations, work) => work({ id: randomHex(8), annotate: () => {} }),
  awsCall: (_call, _annotations, work) => work(),
  traced: (_name, fn) => fn,
  // Middy takes no middleware without a step: this one does nothing.
  handlerMiddleware: () => ({ before: () => {} }),
}

/** Tracer's own rule (on Lambda, unless POWERTOOLS_TRACE_ENABLED=false), so nothing loads when it would be off. */
export const tracingWanted = (env: Record<string, string | undefined>) =>
  Boolean(env.AWS_EXECUTION_ENV) &&
  !env.AWS_SAM_LOCAL &&
  env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false'

/** `ConsumedCapacity` as the X-Ray SDK's whitelist records it: `consumed_capacity`. */
const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()

const parametersOf = (values: Record<string, unknown>, names: readonly string[]) => {
  const recorded: Record<string, unknown> = {}
  for (const name of names) if (values[name] !== undefined) recorded[snakeCase(name)] = values[name]
  return recorded
}

/** The `aws` and `http` attributes and the flags the X-Ray SDK's AWS capture sets (its `addFlags`). */
const recordAwsCall = (
  subsegment: Subsegment,
  call: AwsCall,
  metadata: AwsMetadata,
  output: Record<string, unknown>,
  error?: Error,
) => {
  const status = metadata.httpStatusCode
  subsegment.addAttribute('aws', {
    operation: call.operation,
    region: call.region,
    ...(metadata.requestId ? { request_id: metadata.requestId } : {}),
    retries: metadata.attempts ?? 0,
    ...parametersOf(call.input, call.inputParameters),
    ...parametersOf(output, call.outputParameters),
  })
  subsegment.addAttribute('http', status ? { response: { status } } : {})
  if ((error && isThrottlingError(error as never)) || status === 429) subsegment.addThrottleFlag()
  if (status && status >= 500 && status < 600) subsegment.addFaultFlag()
  else if (status && status >= 400 && status < 500) subsegment.addErrorFlag()
}

const tracingWith = (tracer: Tracer, middleware: typeof captureLambdaHandler): Tracing => {
  const span: Tracing['span'] = (name, annotations, work) => {
    if (!tracer.getSegment()) return untraced.span(name, annotations, work)
    // The X-Ray SDK runs `work` in a context of its own, the subsegment current there only.
    return tracer.provider.captureAsyncFunc(name, async (subsegment?: Subsegment) => {
      if (!subsegment) return work({ id: randomHex(8), annotate: () => {} })
      for (const [key, value] of Object.entries(annotations)) subsegment.addAnnotation(key, value)
      try {
        return await work({
          id: subsegment.id,
          annotate: (key, value) => subsegment.addAnnotation(key, value),
        })
      } catch (error) {
        subsegment.addError(error as Error)
        throw error
      } finally {
        subsegment.close()
      }
    }) as ReturnType<typeof work>
  }
  const awsCall: Tracing['awsCall'] = (call, annotations, work) => {
    if (!tracer.getSegment()) return work()
    return tracer.provider.captureAsyncFunc(call.service, async (subsegment?: Subsegment) => {
      if (!subsegment) return work()
      subsegment.addAttribute('namespace', 'aws')
      for (const [key, value] of Object.entries(annotations)) subsegment.addAnnotation(key, value)
      const output = await work().catch((error: unknown) => {
        const metadata = (error as { $metadata?: AwsMetadata }).$metadata
        if (metadata) recordAwsCall(subsegment, call, metadata, {}, error as Error)
        // As the X-Ray SDK: the error recorded as a remote one.
        subsegment.close(error as Error, true)
        throw error
      })
      try {
        recordAwsCall(subsegment, call, output.$metadata ?? {}, output)
      } catch {
        // A recording that fails costs the subsegment its attributes, never the request its answer
        // (an UpdateItem that went through must not look failed to its caller).
      }
      subsegment.close()
      return output
    }) as ReturnType<typeof work>
  }
  return {
    enabled: true,
    captureClient: (client) => tracer.captureAWSv3Client(client),
    span,
    awsCall,
    traced:
      (name, fn) =>
      (...args) =>
        span(name, {}, () => fn(...args)),
    handlerMiddleware: () => handlerSubsegments(tracer, middleware),
  }
}

/** The `## handler` subsegments this process opened, by the invocation (its request id) each is of. */
const invocationOf = new WeakMap<object, unknown>()

/**
 * Powertools' `captureLambdaHandler`, which opens the invocation's `## handler` subsegment and
 * makes it the current segment in `before`, and closes it and makes the Lambda segment current
 * again in `after` or `onError`. Middy runs no `after` and no more `onError` once a middleware
 * answers early (a refusal, an error rendered), so that subsegment stayed current: the next
 * invocation's opened inside it, and every invocation after an early answer one level deeper, in
 * the one context every invocation of an execution environment shares. A warm function's heap
 * grew with every refused call, its traces went under the first refused call's trace, and past
 * some 10,000 levels a subsegment's counter, counted up through its parents, overflowed the stack
 * and ended the process (`BENCH_SOAK_LAMBDA=1 npm run bench:soak`: 74 MB after 10,000 varied calls,
 * 82 MB after 40,000, then `RangeError: Maximum call stack size exceeded`). So each
 * invocation first closes what an earlier one left open and makes its parent current again; a
 * chain nested in the same invocation (a router's route) keeps its outer subsegment. On Lambda
 * one instance serves one request at a time. What an early answer left open is closed only when
 * the next invocation starts, so its end is late by the time between the two.
 */
const handlerSubsegments = (tracer: Tracer, middleware: typeof captureLambdaHandler) => {
  const powertools = middleware(tracer, { captureResponse: false })
  type Request = Parameters<NonNullable<typeof powertools.before>>[0]
  const before = (request: Request) => {
    const invocation = (request.context as { awsRequestId?: unknown } | undefined)?.awsRequestId
    let current = tracer.getSegment() as Subsegment | undefined
    while (current && invocationOf.has(current) && invocationOf.get(current) !== invocation) {
      if (!current.isClosed()) current.close()
      current = current.parent as Subsegment | undefined
    }
    if (current && current !== tracer.getSegment()) tracer.setSegment(current)
    const opened = powertools.before?.(request)
    const handler = tracer.getSegment()
    if (handler && handler !== current) invocationOf.set(handler, invocation)
    return opened
  }
  return { ...powertools, before }
}

/**
 * Powertools Tracer, or undefined where it is not installed: the gateway's bundles carry it, but
 * for the middleware kit it is an optional peer, and a team's Lambda without it still runs.
 */
const loadTracer = async () => {
  try {
    return await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ])
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error
    process.emitWarning(
      `Tracing is off: @aws-lambda-powertools/tracer could not be loaded (${(error as Error).message}). Install it beside switchboard to trace.`,
      { code: 'SWITCHBOARD_NO_TRACER' },
    )
    return undefined
  }
}

/**
 * Tracing as asked for: Powertools Tracer, loaded only when it will trace (its
 * X-Ray SDK is never imported on a laptop or with tracing off), or nothing.
 *
 * @example
 * const tracing = await createTracing(tracingWanted(process.env))
 */
export const createTracing = async (enabled: boolean): Promise<Tracing> => {
  if (!enabled) return untraced
  const loaded = await loadTracer()
  if (!loaded) return untraced
  const [{ Tracer }, { captureLambdaHandler }] = loaded
  // Backend calls get their own subsegments (span), with the annotations an on-call search needs.
  // A team's Lambda using the kit traces under its own name, as Powertools would name it.
  const tracer = new Tracer({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'switchboard',
    captureHTTPsRequests: false,
  })
  return tracer.isTracingEnabled() ? tracingWith(tracer, captureLambdaHandler) : untraced
}

/** The process's tracing (module scope, like the clients it captures). */
export const tracing: Tracing = await createTracing(tracingWanted(process.env))

/** One request's W3C trace context. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string
  /** The caller's span (its `traceparent`'s parent id), when it sent a valid one. */
  callerSpanId?: string
  /** W3C trace-flags: `01` sampled, `00` not. */
  flags: string
  /** The caller's `tracestate` as `tracestateToPass` passes it on (with a valid `traceparent` only). */
  tracestate?: string
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
/** W3C: a `tracestate` longer than this is cut, as `tracestateToPass` says. */
const maxTracestateLength = 512

/** W3C Trace Context's `tracestate` key (level 2's grammar, which takes level 1's keys too). */
const tracestateKey = /^[a-z0-9][a-z0-9_\-*/@]{0,255}$/
/** Its value: printable ASCII but `,` and `=`, up to 256, not ending in a space. */
const tracestateValue = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/
const isListSpace = (text: string, at: number) => text[at] === ' ' || text[at] === '\t'

/**
 * The text without the optional whitespace around a list member: spaces and tabs, nothing else
 * (`String.trim` takes far more). By index: a regex for the trailing run backtracks on every
 * run of spaces inside the text, quadratic in a header of a few KB of them.
 */
const withoutListSpace = (text: string) => {
  let start = 0
  let end = text.length
  while (start < end && isListSpace(text, start)) start++
  while (end > start && isListSpace(text, end - 1)) end--
  return text.slice(start, end)
}

/** W3C: at most this many list members; beyond it, members are removed from the end. */
const maxTracestateMembers = 32
/** W3C: when a tracestate is cut to size, members longer than this go first. */
const longTracestateMember = 128

const isTracestateMember = (member: string) => {
  const equals = member.indexOf('=')
  return (
    equals > 0 &&
    tracestateKey.test(member.slice(0, equals)) &&
    tracestateValue.test(member.slice(equals + 1))
  )
}

const keyOf = (member: string) => member.slice(0, member.indexOf('='))

/**
 * The caller's `tracestate` as the gateway passes it on: as it came when W3C Trace Context
 * allows it all (at most 32 list members, empty ones too, each `key=value` as its grammar says,
 * with only spaces and tabs around them, no key twice); otherwise its valid members, as
 * OpenTelemetry keeps them: one vendor's bad entry does not cost the others theirs. A member
 * that is not valid (a control character, a byte past ASCII) never reaches the agent: Node
 * refuses to send such a header, and the call would fail as the agent's. A key given twice
 * keeps its first (the newest) entry; past 32 members, or 512 characters, members go as W3C
 * says to cut one: those over 128 characters first, then from the end.
 */
const tracestateToPass = (header: string): string | undefined => {
  const members = header.split(',').map(withoutListSpace)
  const kept: string[] = []
  const keys = new Set<string>()
  for (const member of members) {
    if (member === '' || !isTracestateMember(member) || keys.has(keyOf(member))) continue
    keys.add(keyOf(member))
    kept.push(member)
  }
  if (kept.length === 0) return undefined
  const allKept = kept.length === members.filter((member) => member !== '').length
  if (allKept && members.length <= maxTracestateMembers && header.length <= maxTracestateLength) {
    return header
  }
  const cut = kept.slice(0, maxTracestateMembers)
  const length = () => cut.join(',').length
  for (let i = cut.length - 1; i >= 0 && length() > maxTracestateLength; i--) {
    if ((cut[i] as string).length > longTracestateMember) cut.splice(i, 1)
  }
  while (length() > maxTracestateLength) cut.pop()
  return cut.join(',') || undefined
}

/**
 * A W3C `traceparent` header's fields, or undefined when it is not a valid one
 * (version `ff`, all-zero ids, a version-00 header with more fields).
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' }
 */
export const parseTraceparent = (header: string | undefined) => {
  const [, version, traceId, parentId, flags, more] =
    traceparentPattern.exec(header?.trim() ?? '') ?? []
  if (!version || !traceId || !parentId || !flags) return undefined
  if (version === 'ff' || (version === '00' && more !== undefined)) return undefined
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined
  return { traceId, parentId, flags }
}

/**
 * X-Ray's trace id as a W3C one: `1-5759e988-bd862e3fe1be46a994272793` is
 * `5759e988bd862e3fe1be46a994272793` (the epoch seconds, then the random part).
 */
export const traceIdFromXRay = (root: string | undefined): string | undefined =>
  /^1-([0-9a-f]{8})-([0-9a-f]{24})$/
    .exec(root ?? '')
    ?.slice(1)
    .join('')

const xRayHeaderData = (header: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((field) => field.trim().split('=') as [string, string])
      .filter(([key, value]) => key && value !== undefined),
  )

/**
 * The trace a request belongs to: the caller's, when it sent a valid
 * `traceparent` (the gateway's span becomes its child); otherwise X-Ray's (the
 * Lambda invocation's trace, or the `X-Amzn-Trace-Id` API Gateway adds, as the
 * local gateway does too); otherwise a fresh one. An invalid `traceparent` is
 * ignored, never an error.
 *
 * @example
 * const trace = requestTraceContext(event.headers)
 * logger.appendKeys({ traceId: trace.traceId })
 */
export const requestTraceContext = (
  headers: Record<string, string | undefined> | null | undefined,
  lambdaTrace: Record<string, string> | undefined = getXrayTraceDataFromEnv(),
): TraceContext => {
  const caller = parseTraceparent(headerOf({ headers }, 'traceparent'))
  if (caller) {
    const given = headerOf({ headers }, 'tracestate')
    const tracestate = given ? tracestateToPass(withoutListSpace(given)) : undefined
    return {
      traceId: caller.traceId,
      callerSpanId: caller.parentId,
      flags: caller.flags,
      ...(tracestate ? { tracestate } : {}),
    }
  }
  const xRay = lambdaTrace?.Root
    ? lambdaTrace
    : xRayHeaderData(headerOf({ headers }, 'x-amzn-trace-id'))
  const traceId = traceIdFromXRay(xRay.Root)
  if (traceId) return { traceId, flags: xRay.Sampled === '0' ? '00' : '01' }
  return { traceId: randomHex(16), flags: '01' }
}

/**
 * The headers that carry a request's trace to an agent, `spanId` (the
 * gateway's span for the call) as their parent.
 *
 * @example
 * traceHeaders(trace, span.id) // { traceparent: '00-<traceId>-<spanId>-01' }
 */
export const traceHeaders = (trace: TraceContext, spanId: string): Record<string, string> => ({
  traceparent: `00-${trace.traceId}-${spanId}-${trace.flags}`,
  ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
})

/** A fresh X-Ray trace id, as API Gateway writes it into `X-Amzn-Trace-Id` (the local gateway's). */
export const newXRayTraceId = () =>
  `1-${Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0')}-${randomHex(12)}`
