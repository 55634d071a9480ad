import type { APIGatewayProxyEvent } from 'aws-lambda'
import { sampleEvent } from './events.ts'

const sendMessage = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'SendMessage',
  params: { message: { messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hello' }] } },
})

/**
 * The same JSON-RPC SendMessage to agent `team-agent`, as each service delivers
 * it to a team's own Lambda (no gateway authorizer before it).
 */
export const teamAgentEvents: Record<string, (authorization?: string) => unknown> = {
  'API Gateway REST (v1)': (authorization) =>
    sampleEvent<APIGatewayProxyEvent>('agents-jsonrpc-send-message.json', (event) => {
      event.path = '/agents/team-agent'
      event.pathParameters = { agentId: 'team-agent' }
      event.body = sendMessage
      event.requestContext.authorizer = null
      if (authorization) event.headers.Authorization = authorization
    }),
  'HTTP API (v2)': (authorization) => ({
    version: '2.0',
    routeKey: 'POST /agents/{agentId}',
    rawPath: '/agents/team-agent',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
    pathParameters: { agentId: 'team-agent' },
    requestContext: { http: { method: 'POST', path: '/agents/team-agent' } },
    body: sendMessage,
    isBase64Encoded: false,
  }),
  'function URL': (authorization) => ({
    version: '2.0',
    routeKey: '$default',
    rawPath: '/agents/team-agent',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
    requestContext: { http: { method: 'POST', path: '/agents/team-agent' } },
    body: Buffer.from(sendMessage).toString('base64'),
    isBase64Encoded: true,
  }),
}
