import middy from '@middy/core'
import { getNamespace, getSegment, Segment, type Subsegment, setSegment } from 'aws-xray-sdk-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTracing } from '../../../lib/observability/tracing.ts'
import { tracedHandler } from '../../../middlewares/tracing.ts'

type Event = { refuse?: boolean }
type Context = { awsRequestId: string }

/** What a served call saw as its `## handler` subsegment, and that one's parent. */
interface Seen {
  subsegment: Subsegment
  parent: unknown
}

describe('tracedHandler on Lambda', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('opens every invocation’s subsegment under the Lambda segment, however many before it were answered early', async () => {
    // Prepare: Tracer as on Lambda, one Lambda segment current for every invocation (as the
    // X-Ray SDK's facade is), and a middleware that refuses every other call by answering
    // early, as a rate limit or a grant check does: Middy then runs no `after`.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
    const tracing = await createTracing(true)
    const lambda = new Segment('switchboard-agents')
    const seen: Seen[] = []
    const handler = middy<Event, { statusCode: number }, Error, Context>()
      .use(tracedHandler(tracing))
      .use({ before: ({ event }) => (event.refuse ? { statusCode: 429 } : undefined) })
      .handler(async () => {
        const subsegment = getSegment() as Subsegment
        seen.push({ subsegment, parent: subsegment.parent })
        return { statusCode: 200 }
      })

    // Act: 200 invocations one after another, half of them refused, the last one served.
    const current = await getNamespace().runAndReturn(async () => {
      setSegment(lambda)
      for (let i = 0; i < 200; i++) {
        await handler({ refuse: i % 2 === 0 }, { awsRequestId: `request-${i}` } as never)
      }
      return getSegment()
    })

    // Assess: each served call's subsegment hangs from the Lambda segment, none from a refused
    // call's (which nested them ever deeper: memory, then a stack overflow past some 10,000), and
    // the Lambda segment is current again after the last.
    expect(seen).toHaveLength(100)
    expect(seen.filter(({ parent }) => parent !== lambda)).toEqual([])
    expect(seen.every(({ subsegment }) => subsegment.isClosed())).toBe(true)
    expect(current).toBe(lambda)
  })

  it('leaves a chain nested in the same invocation under its outer subsegment', async () => {
    // Prepare: a router's route, itself a traced chain, called within the same invocation.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x')
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true')
    const tracing = await createTracing(true)
    const lambda = new Segment('switchboard-discovery')
    let inner: Seen | undefined
    const route = middy<Event, { statusCode: number }, Error, Context>()
      .use(tracedHandler(tracing))
      .handler(async () => {
        const subsegment = getSegment() as Subsegment
        inner = { subsegment, parent: subsegment.parent }
        return { statusCode: 200 }
      })
    let outer: Subsegment | undefined
    const router = middy<Event, { statusCode: number }, Error, Context>()
      .use(tracedHandler(tracing))
      .handler(async (event, context) => {
        outer = getSegment() as Subsegment
        return route(event, context)
      })

    // Act
    await getNamespace().runAndReturn(async () => {
      setSegment(lambda)
      await router({}, { awsRequestId: 'request-1' } as never)
    })

    // Assess
    expect(outer?.parent).toBe(lambda)
    expect(inner?.parent).toBe(outer)
  })
})
