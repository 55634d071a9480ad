import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { loadConfig } from '../lib/config.ts'
import { consoleFiles } from '../lib/console/console-files.ts'
import { consoleSettingsFrom, serveConsole } from '../lib/console/static-files.ts'
import { gatewayBaseUrl } from '../lib/http/gateway-url.ts'
import { pathParameterOf } from '../lib/http/lambda-event.ts'
import { createLogger, requestIdPath } from '../lib/observability/logger.ts'

const config = loadConfig()
const logger = createLogger()
const settings = consoleSettingsFrom(config)

/** GET /console and /console/{proxy+}: the operator console's page, script, style and settings. */
export const handler = middy<APIGatewayProxyEvent>()
  .use(injectLambdaContext(logger, { correlationIdPath: requestIdPath }))
  .handler(async (event) =>
    serveConsole(
      {
        file: pathParameterOf(event, 'proxy'),
        basePath: new URL(
          gatewayBaseUrl(config.publicBaseUrl, event.requestContext),
        ).pathname.replace(/\/$/, ''),
      },
      await consoleFiles(),
      settings,
    ),
  )
