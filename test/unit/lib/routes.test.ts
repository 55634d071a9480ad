import { describe, expect, it } from 'vitest'
import { matchMockRoute, matchRoute, routes } from '../../../lib/routes.ts'

describe('route table', () => {
  it('sends a JSON-RPC POST to the agent itself to the streaming agents handler', () => {
    // Act
    const match = matchRoute('POST', '/agents/weather')

    // Assess
    expect(match?.route).toMatchObject({ handler: 'agents', streaming: true, admin: false })
    expect(match?.pathParameters).toEqual({ agentId: 'weather' })
  })

  it('captures the rest of an HTTP+JSON path, colons and dots included', () => {
    // Act
    const send = matchRoute('POST', '/agents/weather/message:send')
    const subscribe = matchRoute('POST', '/agents/weather/tasks/t.1:subscribe')

    // Assess
    expect(send?.pathParameters).toEqual({ agentId: 'weather', proxy: 'message:send' })
    expect(subscribe?.pathParameters).toEqual({ agentId: 'weather', proxy: 'tasks/t.1:subscribe' })
  })

  it('serves the agent card on its own route, without the authorizer, to the agents handler', () => {
    // Act
    const card = matchRoute('GET', '/agents/weather/.well-known/agent-card.json')

    // Assess
    expect(card?.route).toMatchObject({ handler: 'agents', anonymous: true })
    expect(card?.pathParameters).toEqual({ agentId: 'weather' })
    expect(matchRoute('GET', '/agents/weather/tasks')?.route.anonymous).toBeUndefined()
  })

  it('prefers a literal path over a parameter, as API Gateway does', () => {
    // Act
    const match = matchRoute('GET', '/agents')

    // Assess
    expect(match?.route.handler).toBe('discovery')
  })

  it('matches nothing for a method or path no route serves', () => {
    // Assess
    expect(matchRoute('GET', '/agents/weather')).toBeUndefined()
    expect(matchRoute('GET', '/nowhere')).toBeUndefined()
  })

  it('answers HEAD on /health and /health/ready as their GETs, and on no route behind the authorizer', () => {
    // Assess: uptime monitors probe with HEAD (RFC 9110: HEAD wherever GET).
    expect(matchMockRoute('HEAD', '/health')).toEqual({
      ...matchMockRoute('GET', '/health'),
      method: 'HEAD',
    })
    expect(matchRoute('HEAD', '/health/ready')?.route).toEqual({
      ...matchRoute('GET', '/health/ready')?.route,
      method: 'HEAD',
    })
    for (const route of routes.filter((each) => each.method === 'HEAD')) {
      expect(route.anonymous, route.path).toBe(true)
    }
    expect(matchRoute('HEAD', '/agents')).toBeUndefined()
  })

  it('marks every /admin route as admin-only and nothing else', () => {
    // Assess
    for (const route of routes) expect(route.admin).toBe(route.path.startsWith('/admin'))
  })
})
