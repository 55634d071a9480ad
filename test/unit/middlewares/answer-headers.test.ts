import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import {
  answersWithKeptHeaders,
  keepAnswerHeaders,
  withAnswerHeaders,
} from '../../../middlewares/support/answer-headers.ts'

const refusal = { statusCode: 403, headers: { 'content-type': 'application/json' }, body: '{}' }

describe('headers kept for every answer to a request', () => {
  it('adds the headers kept so far, a second policy appended to each list', () => {
    // Prepare
    const request = { internal: {} }
    keepAnswerHeaders(request, {
      'ratelimit-policy': '"route";q=3;w=60',
      ratelimit: '"route";r=2;t=9',
    })
    keepAnswerHeaders(request, {
      'ratelimit-policy': '"agent";q=9;w=60',
      ratelimit: '"agent";r=8;t=9',
    })

    // Act
    const answer = withAnswerHeaders(request, refusal)

    // Assess
    expect(answer.headers).toEqual({
      'content-type': 'application/json',
      'ratelimit-policy': '"route";q=3;w=60, "agent";q=9;w=60',
      ratelimit: '"route";r=2;t=9, "agent";r=8;t=9',
    })
  })

  it('leaves an answer alone when nothing was kept', () => {
    // Act and assess
    expect(withAnswerHeaders({ internal: {} }, refusal)).toBe(refusal)
  })

  it('gives a middleware’s early refusal the kept headers, which Middy’s after hooks never see', async () => {
    // Prepare: a count keeps its headers; a later middleware refuses
    const handler = middy()
      .use({
        before: (request) => {
          keepAnswerHeaders(request, { ratelimit: '"agent";r=4;t=30' })
        },
        after: (request) => {
          request.response = withAnswerHeaders(request, request.response)
        },
      })
      .use(answersWithKeptHeaders({ before: () => refusal }))
      .handler(() => ({ statusCode: 200 }))

    // Act
    const answer = await handler({}, {} as never)

    // Assess
    expect(answer).toEqual({
      ...refusal,
      headers: { ...refusal.headers, ratelimit: '"agent";r=4;t=30' },
    })
  })

  it('lets a middleware that goes on go on', async () => {
    // Prepare
    const handler = middy()
      .use(answersWithKeptHeaders({ before: () => undefined }))
      .handler(() => ({ statusCode: 200 }))

    // Act and assess
    expect(await handler({}, {} as never)).toEqual({ statusCode: 200 })
  })
})
