import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import httpRouterHandler from '@middy/http-router'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'
import { fetchAgentCard } from '../lib/backend/fetch-card.ts'
import { loadConfig } from '../lib/config.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { jsonResponse } from '../lib/http/json-response.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { parseCidrs } from '../lib/registry/backend-address.ts'
import { registerAgent } from '../lib/registry/register-agent.ts'
import { tableName } from '../lib/tables.ts'
import { problemDetails } from '../middlewares/problem-details.ts'
import { type CallerContext, verifiedCaller } from '../middlewares/verified-caller.ts'

const config = loadConfig()
const logger = new Logger({ serviceName: 'switchboard' })
const registry = new DynamoAgentRegistry(
  createDocumentClient(config),
  tableName('agents', config.tablePrefix),
)

const addressPolicy = { mode: config.mode, allowed: parseCidrs(config.backendAllowedCidrs) }

/** POST /admin/register and POST /admin/agents: register an agent from its config. */
const register = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  // verifiedCaller ran before the router; http-router's types only know the plain Context.
  const { caller } = context as CallerContext
  const record = await registerAgent(event.body, {
    registry,
    fetchCard: (cardUrl) => fetchAgentCard(cardUrl, config.cardFetchTimeoutMs),
    addressPolicy,
  })
  logger.info('agent registered', {
    audit: true,
    action: 'agent.register',
    by: caller.principal,
    agentId: record.agentId,
    after: { backendUrl: record.backendUrl, status: record.status },
  })
  return jsonResponse(201, record, { location: `/admin/agents/${record.agentId}` })
}

const routes = httpRouterHandler([
  { method: 'POST', path: '/admin/register', handler: register },
  { method: 'POST', path: '/admin/agents', handler: register },
])

export const handler = middy<APIGatewayProxyEvent, unknown, Error, CallerContext>()
  .use(injectLambdaContext(logger))
  .use(problemDetails({ logger }))
  .use(verifiedCaller({ requireAdmin: true }))
  .use(httpJsonBodyParser())
  .handler(routes)
