import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import { DependencyUnavailableError } from '../../../lib/errors.ts'
import { concurrently } from '../../../middlewares/support/concurrently.ts'
import { refusalOf, refusedAs } from '../../../middlewares/support/refusal.ts'

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A step that answers a refusal of its own once `ms` have passed. */
const refusing = (reason: string, statusCode: number, ms: number) => ({
  before: async () => {
    await after(ms)
    return refusedAs({ statusCode, body: reason }, reason)
  },
})

describe('refusalOf, the reason on an access line', () => {
  it('names the reason of the answer that went out, when steps decide together and another finishes last', async () => {
    // Prepare: the first step in order decides; the second refuses too, later
    const handler = middy()
      .use(concurrently(refusing('rate-limit', 429, 5), refusing('task-not-found', 404, 20)))
      .handler(async () => ({ statusCode: 200 }))

    // Act
    const answer = await handler({}, {} as never)

    // Assess
    expect(answer).toMatchObject({ statusCode: 429 })
    expect(refusalOf({ response: answer })).toBe('rate-limit')
  })

  it('names the thrown error of a request answered by an error renderer, whatever a step answered', () => {
    // Act
    const reason = refusalOf({
      response: { statusCode: 503 },
      error: new DependencyUnavailableError({
        cause: Object.assign(new Error('slow down'), { name: 'ThrottlingException' }),
      }),
    })

    // Assess
    expect(reason).toBe('dependency-unavailable')
  })

  it('names nothing for a request that was served', () => {
    // Assess
    expect(refusalOf({ response: { statusCode: 200, body: '{}' } })).toBeUndefined()
  })
})
