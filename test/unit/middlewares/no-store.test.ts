import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import { noStore } from '../../../middlewares/no-store.ts'

describe('noStore', () => {
  it('marks an answer no-store and nosniff, keeping its own headers', async () => {
    // Prepare
    const handler = middy()
      .use(noStore())
      .handler(async () => ({
        statusCode: 201,
        headers: { 'content-type': 'application/json' },
        body: '{"clientSecret":"s"}',
      }))

    // Act
    const answer = await handler({}, {} as never)

    // Assess
    expect(answer).toMatchObject({
      statusCode: 201,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    })
  })

  it('marks an error answer rendered by a middleware used after it', async () => {
    // Prepare: a renderer of errors, as problemDetails is
    const handler = middy()
      .use(noStore())
      .use({
        onError: async (request) => {
          request.response = { statusCode: 404, body: '{}' }
        },
      })
      .handler(async () => {
        throw new Error('no such client')
      })

    // Act
    const answer = await handler({}, {} as never)

    // Assess
    expect(answer).toMatchObject({ statusCode: 404, headers: { 'cache-control': 'no-store' } })
  })

  it('leaves a value the handler chose', async () => {
    // Prepare
    const handler = middy()
      .use(noStore())
      .handler(async () => ({
        statusCode: 200,
        headers: { 'cache-control': 'private, max-age=60' },
      }))

    // Act
    const answer = await handler({}, {} as never)

    // Assess
    expect(answer).toMatchObject({ headers: { 'cache-control': 'private, max-age=60' } })
  })
})
