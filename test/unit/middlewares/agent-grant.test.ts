import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { encodeGrants, type Grants } from '../../../lib/auth/grants.ts'
import { a2aRequest } from '../../../middlewares/a2a-request.ts'
import { agentGrant } from '../../../middlewares/agent-grant.ts'
import { verifiedCaller } from '../../../middlewares/verified-caller.ts'
import { invoke, sampleEvent } from '../../support/events.ts'

const callWith = async (file: string, grants: Grants) => {
  const handler = vi.fn(async () => ({ statusCode: 200, body: 'forwarded' }))
  const event = sampleEvent(file, (e) => {
    ;(e.requestContext.authorizer as Record<string, string>).grants = encodeGrants(grants)
  })
  const wrapped = middy().use(verifiedCaller()).use(a2aRequest()).use(agentGrant()).handler(handler)
  const response = await invoke(wrapped, event)
  return { response, handler }
}

describe('agentGrant middleware', () => {
  it('lets a call through when the caller holds the agent and the operation', async () => {
    // Act
    const { response, handler } = await callWith('agents-jsonrpc-send-message.json', {
      calculator: ['SendMessage'],
    })

    // Assess
    expect(handler).toHaveBeenCalledOnce()
    expect(response.body).toBe('forwarded')
  })

  it('refuses with 403 in JSON-RPC, before the handler, when the agent is not granted', async () => {
    // Act
    const { response, handler } = await callWith('agents-jsonrpc-send-message.json', {
      weather: '*',
    })

    // Assess
    expect(handler).not.toHaveBeenCalled()
    expect(response.statusCode).toBe(403)
    expect(JSON.parse(response.body)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32051, message: "You hold no grant for agent 'calculator'." },
    })
  })

  it('names the operation when the agent is granted but the operation is not', async () => {
    // Act
    const { response } = await callWith('agents-rest-stream-message.json', { weather: ['GetTask'] })

    // Assess
    expect(response.statusCode).toBe(403)
    expect(JSON.parse(response.body).error).toMatchObject({
      status: 'PERMISSION_DENIED',
      message: "Your grant for agent 'weather' does not include SendStreamingMessage.",
    })
  })

  it('refuses a 0.3 HTTP+JSON caller in 0.3’s error shape', async () => {
    // Prepare: the stream call as 0.3 sends it
    const handler = vi.fn(async () => ({ statusCode: 200, body: 'forwarded' }))
    const event = sampleEvent('agents-rest-stream-message.json', (e) => {
      ;(e.requestContext.authorizer as Record<string, string>).grants = encodeGrants({
        weather: ['GetTask'],
      })
      e.path = '/agents/weather/v1/message:stream'
      e.pathParameters = { agentId: 'weather', proxy: 'v1/message:stream' }
      e.headers['a2a-version'] = '0.3'
      e.multiValueHeaders['a2a-version'] = ['0.3']
      e.body = JSON.stringify({
        message: { messageId: 'm', role: 'ROLE_USER', content: [{ text: 'hi' }] },
      })
    })
    const wrapped = middy()
      .use(verifiedCaller())
      .use(a2aRequest())
      .use(agentGrant())
      .handler(handler)

    // Act
    const response = await invoke(wrapped, event)

    // Assess: 0.3's { code, message }, which a 0.3 client reads
    expect(response.statusCode).toBe(403)
    expect(JSON.parse(response.body)).toEqual({
      code: -32051,
      message: "Your grant for agent 'weather' does not include SendStreamingMessage.",
    })
  })

  it('serves the card to any holder of a grant on the agent', async () => {
    // Act
    const allowed = await callWith('agents-agent-card.json', { weather: ['GetTask'] })
    const refused = await callWith('agents-agent-card.json', { calculator: '*' })

    // Assess
    expect(allowed.handler).toHaveBeenCalledOnce()
    expect(refused.response.statusCode).toBe(403)
  })
})
