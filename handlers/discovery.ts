import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { loadConfig } from '../lib/config.ts'
import { invocableAgents } from '../lib/discovery/list-agents.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { gatewayBaseUrl } from '../lib/http/gateway-url.ts'
import { jsonResponse } from '../lib/http/json-response.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { tableName } from '../lib/tables.ts'
import { problemDetails } from '../middlewares/problem-details.ts'
import { type CallerContext, verifiedCaller } from '../middlewares/verified-caller.ts'

const config = loadConfig()
const logger = new Logger({ serviceName: 'switchboard' })
const registry = new DynamoAgentRegistry(
  createDocumentClient(config),
  tableName('agents', config.tablePrefix),
)

/** GET /agents: the cards of the caller's active agents. */
const listAgents = async (event: APIGatewayProxyEvent, context: CallerContext) => {
  const agents = invocableAgents(await registry.list(), context.caller.grants, {
    baseUrl: gatewayBaseUrl(config.publicBaseUrl, event.requestContext),
    tokenUrl: config.token.tokenUrl,
  })
  return jsonResponse(200, { agents })
}

export const handler = middy<APIGatewayProxyEvent, unknown, Error, CallerContext>()
  .use(injectLambdaContext(logger))
  .use(problemDetails({ logger }))
  .use(verifiedCaller())
  .handler(listAgents)
