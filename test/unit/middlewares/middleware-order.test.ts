import middy, { type MiddlewareObj } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import { encodeGrants } from '../../../lib/auth/grants.ts'
import { a2aRequest } from '../../../middlewares/a2a-request.ts'
import { agentGrant } from '../../../middlewares/agent-grant.ts'
import { publicCard } from '../../../middlewares/public-card.ts'
import { pushCallbacks } from '../../../middlewares/push-callbacks.ts'
import { routeMessage, routerRateLimit } from '../../../middlewares/route-message.ts'
import { MiddlewareOrderError, requires } from '../../../middlewares/support/requires.ts'
import { taskOwnership } from '../../../middlewares/task-ownership.ts'
import { tokenRevocation } from '../../../middlewares/token-revocation.ts'
import { verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, lambdaContext, sampleEvent } from '../../support/events.ts'

const sendMessage = () =>
  sampleEvent('agents-jsonrpc-send-message.json', (event) => {
    ;(event.requestContext.authorizer as Record<string, string>).grants = encodeGrants({
      calculator: '*',
    })
  })

const toRouter = (event: APIGatewayProxyEvent) => ({
  ...event,
  resource: '/route',
  path: '/route',
  pathParameters: {},
})

/** The error a chain of `middlewares` fails with on `event`, its handler never reached. */
const failureOf = async (
  middlewares: MiddlewareObj<APIGatewayProxyEvent, unknown, Error, never>[],
  event: APIGatewayProxyEvent = sendMessage(),
) => {
  const handler = vi.fn(async () => ({ statusCode: 200, body: 'forwarded' }))
  const chain = middy()
  for (const middleware of middlewares) {
    chain.use(middleware as MiddlewareObj)
  }
  const error = await invoke(chain.handler(handler as never), event).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(handler).not.toHaveBeenCalled()
  return error
}

const pushOptions = {
  configs: {
    put: vi.fn(),
    get: vi.fn(),
    delete: vi.fn(),
    link: vi.fn(),
    markDeleted: vi.fn(),
    deleteInline: vi.fn(),
  },
  addressPolicy: { allowPrivate: false },
  baseUrl: () => 'https://gw.example.com',
} as unknown as Parameters<typeof pushCallbacks>[0]
const owners = { taskOf: vi.fn(), record: vi.fn(), ownerOf: vi.fn(), ownedBy: vi.fn() }
const routeOptions = { choose: vi.fn(), routerCard: vi.fn(), tasks: { holdersOf: vi.fn() } }

describe('middlewares used without the one they need', () => {
  it('requires names the reader, the key and the middleware that sets it', () => {
    // Act
    const read = () => requires({} as { a2a?: string }, 'a2a', 'someReader')

    // Assess
    expect(read).toThrow(MiddlewareOrderError)
    expect(read).toThrow(
      'someReader reads context.a2a, which a2aRequest sets: use a2aRequest() before someReader() in the chain.',
    )
  })

  it('agentGrant without a2aRequest fails naming a2aRequest', async () => {
    // Act
    const error = await failureOf([verifiedCaller(), agentGrant()])

    // Assess
    expect(error).toBeInstanceOf(MiddlewareOrderError)
    expect((error as Error).message).toContain('use a2aRequest() before agentGrant()')
  })

  it("agentGrant without a caller names both chains that set one: a team's and the gateway's", async () => {
    // Act
    const error = await failureOf([a2aRequest(), agentGrant()])

    // Assess
    expect(error).toBeInstanceOf(MiddlewareOrderError)
    expect((error as Error).message).toBe(
      "agentGrant reads context.caller, which permissionLookup (after jwtAuth, in a team's own Lambda) or verifiedCaller (behind the gateway's authorizer) sets: use jwtAuth() and permissionLookup(), or verifiedCaller(), before agentGrant() in the chain.",
    )
  })

  it('tokenRevocation without a caller names permissionLookup as well as verifiedCaller', async () => {
    // Act
    const error = await failureOf([tokenRevocation({ issuedBefore: vi.fn() })])

    // Assess
    expect(error).toBeInstanceOf(MiddlewareOrderError)
    expect((error as Error).message).toContain(
      'use jwtAuth() and permissionLookup(), or verifiedCaller(), before tokenRevocation()',
    )
  })

  it('publicCard without a2aRequest fails naming a2aRequest', async () => {
    // Act
    const error = await failureOf([publicCard({ lookup: vi.fn(), serve: vi.fn() })])

    // Assess
    expect((error as Error).message).toContain('use a2aRequest() before publicCard()')
  })

  it('pushCallbacks without a2aRequest fails naming a2aRequest', async () => {
    // Act
    const error = await failureOf([verifiedCaller(), pushCallbacks(pushOptions)])

    // Assess
    expect((error as Error).message).toContain('use a2aRequest() before pushCallbacks()')
  })

  it('pushCallbacks without verifiedCaller fails naming verifiedCaller', async () => {
    // Act
    const error = await failureOf([a2aRequest(), pushCallbacks(pushOptions)])

    // Assess
    expect((error as Error).message).toContain('or verifiedCaller(), before pushCallbacks()')
  })

  it('taskOwnership without a2aRequest fails naming a2aRequest', async () => {
    // Act
    const error = await failureOf([verifiedCaller(), taskOwnership({ owners })])

    // Assess
    expect((error as Error).message).toContain('use a2aRequest() before taskOwnership()')
  })

  it('taskOwnership without verifiedCaller fails naming verifiedCaller', async () => {
    // Act
    const error = await failureOf([a2aRequest(), taskOwnership({ owners })])

    // Assess
    expect((error as Error).message).toContain('or verifiedCaller(), before taskOwnership()')
  })

  it('routeMessage without a2aRequest fails naming a2aRequest', async () => {
    // Act
    const error = await failureOf(
      [verifiedCaller(), routeMessage(routeOptions)],
      toRouter(sendMessage()),
    )

    // Assess
    expect((error as Error).message).toContain('use a2aRequest() before routeMessage()')
  })

  it('routeMessage without verifiedCaller fails naming verifiedCaller', async () => {
    // Act
    const error = await failureOf(
      [a2aRequest(), routeMessage(routeOptions)],
      toRouter(sendMessage()),
    )

    // Assess
    expect((error as Error).message).toContain('or verifiedCaller(), before routeMessage()')
  })

  it('routerRateLimit without a2aRequest fails naming a2aRequest', () => {
    // Act
    const read = () =>
      routerRateLimit(
        { event: toRouter(sendMessage()), context: lambdaContext('test') as never },
        10,
      )

    // Assess
    expect(read).toThrow('use a2aRequest() before routerRateLimit()')
  })
})
