import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { describe, expect, it, vi } from 'vitest'
import { encodeGrants } from '../../../lib/auth/grants.ts'
import type { RouteChoice } from '../../../lib/discovery/route.ts'
import { a2aOf, a2aRequest } from '../../../middlewares/a2a-request.ts'
import { type RouteContext, routeMessage } from '../../../middlewares/route-message.ts'
import { verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

const toRouter = (event: APIGatewayProxyEvent): APIGatewayProxyEvent => ({
  ...event,
  resource: '/route',
  path: '/route',
  pathParameters: null,
})

const routerEvent = (body?: unknown) =>
  toRouter(
    sampleEvent('agents-jsonrpc-send-message.json', (event) => {
      ;(event.requestContext.authorizer as Record<string, string>).grants = encodeGrants({
        calculator: '*',
        weather: '*',
      })
      if (body !== undefined) event.body = JSON.stringify(body)
    }),
  )

/** The caller's tasks each agent holds, for `holdersOf`. */
type Held = Record<string, string[]>

const routed = (choice: RouteChoice, held: Held = {}) => {
  const seen: { agentId?: string; routedTo?: string; sent?: string } = {}
  const choose = vi.fn(async () => choice)
  const holdersOf = vi.fn(async (taskId: string, agentIds: readonly string[], principal: string) =>
    principal === 'demo-client'
      ? agentIds.filter((agentId) => held[agentId]?.includes(taskId)).sort()
      : [],
  )
  const handler = middy()
    .use(verifiedCaller())
    .use(a2aRequest())
    .use(
      routeMessage({
        choose,
        routerCard: async () => ({ name: 'router' }) as never,
        tasks: { holdersOf },
      }),
    )
    .handler(async (_event: unknown, context: RouteContext) => {
      const a2a = a2aOf(context, 'test handler')
      if (a2a.kind === 'call') seen.agentId = a2a.call.agentId
      if (context.a2a.kind === 'call') seen.sent = context.a2a.call.agentId
      seen.routedTo = context.routed?.agentId
      return { statusCode: 200, headers: {}, body: 'forwarded' }
    })
  return { handler, choose, holdersOf, seen }
}

const match = (key: string, score: number) => ({ key, score }) as RouteChoice['candidates'][0]

describe('routeMessage middleware', () => {
  it('refuses to be built without choose, naming the option', () => {
    // Act
    const build = () => routeMessage({ routerCard: vi.fn() } as never)

    // Assess
    expect(build).toThrow('routeMessage: options.choose must be a function')
  })

  it('hands the message on re-addressed to the chosen agent, leaving context.a2a as the caller sent it', async () => {
    // Prepare
    const { handler, choose, seen } = routed({
      chosen: match('weather', 0.9),
      candidates: [match('weather', 0.9)],
    })

    // Act
    const response = await invoke(handler, routerEvent())

    // Assess
    expect(response.body).toBe('forwarded')
    expect(choose).toHaveBeenCalledOnce()
    expect(seen).toEqual({ agentId: 'weather', routedTo: 'weather', sent: '' })
  })

  it('answers 422 naming the closest agents, before the handler, when none matches confidently', async () => {
    // Prepare
    const { handler, seen } = routed({
      chosen: undefined,
      candidates: [match('weather', 0.41), match('calculator', 0.2)],
    })

    // Act
    const response = await invoke(handler, routerEvent())

    // Assess
    expect(response.statusCode).toBe(422)
    expect(JSON.parse(response.body).error.message).toContain('weather (0.410), calculator (0.200)')
    expect(seen).toEqual({})
  })

  it('says what the best agent needed, a score short of the bar never shown reaching it, and asks a lone candidate for no lead', async () => {
    // Prepare: scores just short of the bar, which rounding to nearest would show equal to it.
    const threshold = { minScore: 0.168, minMargin: 0.05 }
    const lone = routed({ chosen: undefined, candidates: [match('calculator', 0.1679)], threshold })
    const pair = routed({
      chosen: undefined,
      candidates: [match('calculator', 0.1679), match('weather', 0.15)],
      threshold,
    })

    // Act
    const [alone, rivalled] = await Promise.all(
      [lone, pair].map(
        async ({ handler }) =>
          JSON.parse((await invoke(handler, routerEvent())).body).error.message as string,
      ),
    )

    // Assess
    expect(alone).toContain('(it needs a score of 0.168). Closest: calculator (0.167);')
    expect(rivalled).toContain(
      '(it needs a score of 0.168 and a lead of 0.050 over the next). Closest: calculator (0.167), weather (0.150);',
    )
  })

  it('refuses an operation other than sending a message as unsupported', async () => {
    // Prepare
    const { handler, choose } = routed({ chosen: undefined, candidates: [] })
    const body = { jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'task-1' } }

    // Act
    const response = await invoke(handler, routerEvent(body))

    // Assess
    expect(JSON.parse(response.body).error.message).toContain('The router only sends messages')
    expect(choose).not.toHaveBeenCalled()
  })

  it('refuses a method that is no A2A method as not found, the router having no skills, routing nothing', async () => {
    // Prepare: a skill-shaped method with a message the weather agent would take.
    const { handler, choose } = routed({ chosen: match('weather', 0.9), candidates: [] })
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'get_weather',
      params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'rain in Oslo' }] } },
    }

    // Act
    const response = await invoke(handler, routerEvent(body))

    // Assess
    expect(JSON.parse(response.body).error).toMatchObject({
      code: -32601,
      message: expect.stringContaining(
        "'get_weather' is no A2A method, and the router has no skills",
      ),
    })
    expect(choose).not.toHaveBeenCalled()
  })

  it('leaves a request to an agent’s own path as it is', async () => {
    // Prepare
    const { handler, choose, seen } = routed({ chosen: undefined, candidates: [] })
    const event = sampleEvent('agents-jsonrpc-send-message.json', (e) => {
      ;(e.requestContext.authorizer as Record<string, string>).grants = encodeGrants({
        calculator: '*',
      })
    })

    // Act
    const response = await invoke(handler, event)

    // Assess
    expect(response.body).toBe('forwarded')
    expect(choose).not.toHaveBeenCalled()
    expect(seen).toEqual({ agentId: 'calculator', routedTo: undefined, sent: 'calculator' })
  })

  describe('a message that continues a task (message.taskId)', () => {
    const followUp = (taskId: unknown, text = 'Berlin') => ({
      jsonrpc: '2.0',
      id: 3,
      method: 'SendMessage',
      params: {
        message: { messageId: 'm-2', role: 'ROLE_USER', taskId, parts: [{ text }] },
      },
    })

    it('goes to the agent holding that task of the caller’s, whatever its text, embedding nothing', async () => {
      // Prepare: the text reads as a sum; the task is the weather agent's.
      const { handler, choose, holdersOf, seen } = routed(
        { chosen: match('calculator', 0.9), candidates: [match('calculator', 0.9)] },
        { weather: ['task-7'] },
      )

      // Act
      const response = await invoke(handler, routerEvent(followUp('task-7', '2+2')))

      // Assess
      expect(response.body).toBe('forwarded')
      expect(seen).toEqual({ agentId: 'weather', routedTo: 'weather', sent: '' })
      expect(choose).not.toHaveBeenCalled()
      expect(holdersOf).toHaveBeenCalledWith('task-7', ['calculator', 'weather'], 'demo-client')
    })

    it('hands a task on to its agent though the caller may not send it messages, for the grant check to refuse there', async () => {
      // Prepare: the caller may only read weather's tasks.
      const { handler, holdersOf, seen } = routed(
        { chosen: undefined, candidates: [] },
        { weather: ['task-7'] },
      )
      const event = routerEvent(followUp('task-7'))
      ;(event.requestContext.authorizer as Record<string, string>).grants = encodeGrants({
        calculator: '*',
        weather: ['GetTask'],
      })

      // Act
      await invoke(handler, event)

      // Assess
      expect(holdersOf).toHaveBeenCalledWith('task-7', ['calculator', 'weather'], 'demo-client')
      expect(seen.routedTo).toBe('weather')
    })

    it('answers TaskNotFound for a task no agent the caller holds a grant on holds as the caller’s', async () => {
      // Prepare
      const { handler, choose } = routed({ chosen: match('weather', 0.9), candidates: [] })

      // Act
      const response = await invoke(handler, routerEvent(followUp('task-unknown')))

      // Assess
      expect(JSON.parse(response.body)).toMatchObject({
        id: 3,
        error: { code: -32001, message: "Task 'task-unknown' was not found." },
      })
      expect(choose).not.toHaveBeenCalled()
    })

    it('asks the caller to name the agent when two of its agents hold a task of that id', async () => {
      // Prepare
      const { handler } = routed(
        { chosen: undefined, candidates: [] },
        { weather: ['task-7'], calculator: ['task-7'] },
      )

      // Act
      const response = await invoke(handler, routerEvent(followUp('task-7')))

      // Assess
      expect(JSON.parse(response.body).error).toMatchObject({
        code: -32602,
        message:
          "Task 'task-7' is a task of yours at 2 agents (calculator, weather): continue it at /agents/{agentId}.",
      })
    })

    it('refuses a task id that is not a string, naming the field', async () => {
      // Prepare
      const { handler, holdersOf } = routed({ chosen: undefined, candidates: [] })

      // Act
      const response = await invoke(handler, routerEvent(followUp(7)))

      // Assess
      expect(JSON.parse(response.body).error).toMatchObject({
        code: -32602,
        message: expect.stringContaining('message.taskId'),
      })
      expect(holdersOf).not.toHaveBeenCalled()
    })
  })
})
