import httpRouterHandler, { type Method } from '@middy/http-router'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'

/** A route whose handler sees the context its chain built (e.g. `CallerContext`). */
export interface TypedRoute<TContext extends Context> {
  method: Method
  path: string
  handler: (event: APIGatewayProxyEvent, context: TContext) => Promise<APIGatewayProxyResult>
}

/**
 * `@middy/http-router` typed by the chain it ends: its routes get the chain's
 * context (what `verifiedCaller` and others added), where http-router's own
 * types only know Lambda's `Context`. The router hands each route the very
 * context the chain gave it; the routes find it again by that object, so no
 * route casts.
 *
 * @example
 * middy<APIGatewayProxyEvent, unknown, Error, CallerContext>()
 *   .use(verifiedCaller())
 *   .handler(typedRouter<CallerContext>([{ method: 'GET', path: '/agents', handler: listAgents }]))
 */
export const typedRouter = <TContext extends Context>(routes: TypedRoute<TContext>[]) => {
  const inFlight = new WeakMap<Context, TContext>()
  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>(
    routes.map(({ method, path, handler }) => ({
      method,
      path,
      handler: (event: APIGatewayProxyEvent, context: Context) => {
        const chained = inFlight.get(context)
        if (!chained)
          throw new Error(`typedRouter: ${method} ${path} was called outside its router`)
        return handler(event, chained)
      },
    })),
  )
  return async function typedRouterHandler(event: APIGatewayProxyEvent, context: TContext) {
    inFlight.set(context, context)
    try {
      return await router(event, context)
    } finally {
      inFlight.delete(context)
    }
  }
}
