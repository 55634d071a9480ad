import middy from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { typedRouter } from '../../../middlewares/support/typed-router.ts'
import { lambdaContext, sampleEvent } from '../../support/events.ts'

type NamedContext = Context & { caller: { principal: string } }

const chain = () =>
  middy<APIGatewayProxyEvent, unknown, Error, NamedContext>()
    .before(async (request) => {
      request.context.caller = { principal: request.event.headers['x-who'] ?? 'nobody' }
    })
    .handler(
      typedRouter<NamedContext>([
        {
          method: 'GET',
          path: '/agents',
          handler: async (_event, context) => ({ statusCode: 200, body: context.caller.principal }),
        },
      ]),
    )

/** A Lambda context; the chain's `before` names its caller. */
const contextOf = (): NamedContext => ({ ...lambdaContext('test'), caller: { principal: '' } })

const get = (path: string, who: string) =>
  sampleEvent('discovery-list-agents.json', (event) => {
    event.httpMethod = 'GET'
    event.path = path
    event.resource = path
    event.headers = { 'x-who': who }
  })

describe('typedRouter', () => {
  it('hands each route the context its chain built, request by request', async () => {
    // Prepare
    const handler = chain()

    // Act
    const answers = await Promise.all(
      ['ada', 'grace'].map((who) => handler(get('/agents', who), contextOf())),
    )

    // Assess
    expect(answers).toEqual([
      { statusCode: 200, body: 'ada' },
      { statusCode: 200, body: 'grace' },
    ])
  })

  it('answers a path it has no route for as http-router does', async () => {
    // Act
    const answer = chain()(get('/nowhere', 'ada'), contextOf())

    // Assess
    await expect(answer).rejects.toMatchObject({ statusCode: 404 })
  })
})
