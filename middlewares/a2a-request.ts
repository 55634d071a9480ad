import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent, Context } from 'aws-lambda'
import { type A2AFailure, renderA2AFailure } from '../lib/a2a/errors.ts'
import { a2aAddressOf, isRouteless } from '../lib/a2a/event-address.ts'
import {
  type A2ACall,
  type A2ARequest,
  bindingOf,
  jsonRpcIdOf,
  parseA2ARequest,
} from '../lib/a2a/request.ts'
import { a2aVersionOf } from '../lib/a2a/versions.ts'
import { defaultMaxRequestBytes } from '../lib/config.ts'
import { nonUtf8Charset } from '../lib/http/charset.ts'
import {
  unsupportedContentEncoding,
  unsupportedContentEncodingMessage,
} from '../lib/http/content-encoding.ts'
import { type AnyHttpEvent, bodyOf, headerOf, methodOf, pathOf } from '../lib/http/lambda-event.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import { refused } from './support/refusal.ts'
import { requires } from './support/requires.ts'

export type A2ARequestContext = Context & { a2a: Exclude<A2ARequest, { kind: 'invalid' }> }

/**
 * The hand-over from `routeMessage`: the message to `/route` re-addressed to the
 * agent it chose. `context.a2a` stays as `a2aRequest` read it (what the caller
 * sent); later middlewares and the handler read the call through `a2aOf`.
 */
export type RoutedContext = { routed?: { agentId: string; call: A2ACall } }

/**
 * The A2A request as the middlewares after `routeMessage` and the handler act
 * on it: the routed call when the router chose an agent, otherwise
 * `a2aRequest`'s reading (a `MiddlewareOrderError` naming `a2aRequest` when
 * there is none). `reader` names who asks, for that error.
 *
 * @example
 * const a2a = a2aOf(request.context, 'agentGrant')
 * if (a2a.kind === 'call') forward(a2a.call)
 */
export const a2aOf = (
  context: Partial<Pick<A2ARequestContext, 'a2a'>> & RoutedContext,
  reader: string,
): A2ARequestContext['a2a'] =>
  context.routed ? { kind: 'call', call: context.routed.call } : requires(context, 'a2a', reader)

/**
 * The kit also reads HTTP API (2.0), function URL and ALB events: their method,
 * path and query sit elsewhere, and a function URL or ALB has no route.
 */
type AnyA2AEvent = APIGatewayProxyEvent & AnyHttpEvent & { rawQueryString?: string }

/**
 * RFC 6750's query form of a bearer token. The gateway reads a caller's token from its
 * `Authorization` header alone, and an agent is never handed it: a token left in the query
 * went on in the path of an HTTP+JSON call, for the agent to replay (a red team's finding).
 */
const tokenParameter = 'access_token'

/** The query's pairs: every value of a multi-value event (REST v1 carries both forms), else its one value. */
const queryPairsOf = (event: AnyA2AEvent): [string, string][] =>
  event.multiValueQueryStringParameters
    ? Object.entries(event.multiValueQueryStringParameters).flatMap(([name, values]) =>
        (values ?? []).map((value): [string, string] => [name, value]),
      )
    : Object.entries(event.queryStringParameters ?? {}).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, value] as [string, string]],
      )

/**
 * The event's query string: an HTTP API or function URL event's raw one, else rebuilt from its
 * parameters. An ALB passes them as the client sent them, still percent-encoded (AWS: "the load
 * balancer does not decode them"), so they are joined as they are; API Gateway REST decodes
 * them, so they are encoded again.
 */
const queryStringOf = (event: AnyA2AEvent): string => {
  if (event.rawQueryString !== undefined) return event.rawQueryString
  const pairs = queryPairsOf(event)
  if ('elb' in (event.requestContext ?? {})) {
    return pairs.map(([name, value]) => `${name}=${value}`).join('&')
  }
  return new URLSearchParams(pairs).toString()
}

/** The query as the call carries it on: every parameter but `tokenParameter`. */
const queryOf = (event: AnyA2AEvent): string | undefined => {
  const query = queryStringOf(event)
  // Spelled out or percent-encoded (an HTTP API or function URL event's raw query is not decoded).
  if (!/access(_|%5f)token/i.test(query)) return query || undefined
  const kept = new URLSearchParams(
    [...new URLSearchParams(query)].filter(([name]) => name !== tokenParameter),
  ).toString()
  return kept || undefined
}

/**
 * Media types that say a body is a form, never JSON: what `curl -d` sends when no type is given
 * (`application/x-www-form-urlencoded`), and multipart.
 */
const formMediaType = /^(application\/x-www-form-urlencoded|multipart\/[\w.+-]+)$/

/**
 * The `Content-Type` of a body sent as a form, which the gateway would read as JSON and an agent
 * on @a2a-js/sdk would refuse only after it was counted and routed: refused first, though an
 * agent on another stack would read it. Any other type is taken as it was (JSON's, `text/plain`,
 * `application/octet-stream`...), as such agents read whatever body comes as JSON.
 */
const formContentType = (event: AnyA2AEvent): string | undefined => {
  const header = headerOf(event, 'content-type')
  const mediaType = header?.split(/[;,]/, 1)[0]?.trim().toLowerCase() ?? ''
  return formMediaType.test(mediaType) ? header : undefined
}

/**
 * The A2A version the caller declares: its `A2A-Version` header, else the request parameter
 * of that name, which A2A 1.0 lets a client send instead.
 */
const declaredVersionOf = (event: AnyA2AEvent, query: string | undefined): string | undefined =>
  a2aVersionOf(event.headers) ??
  (query && /a2a-version/i.test(query)
    ? [...new URLSearchParams(query)].find(([name]) => name.toLowerCase() === 'a2a-version')?.[1]
    : undefined)

/**
 * The A2A version a request declares (`declaredVersionOf`), for what a handler serves itself: a
 * card follows it as a call does, whether the header or the request parameter says it.
 */
export const declaredVersionIn = (event: AnyA2AEvent): string | undefined =>
  declaredVersionOf(event, queryOf(event))

export interface A2ARequestOptions {
  /** Larger bodies are refused with 413 (Lambda's own limit is 6 MB). */
  maxBodyBytes?: number
  /**
   * The one agent this Lambda serves. On a function URL or an ALB, the whole path is then the
   * path below the agent: JSON-RPC is POSTed to `/`, HTTP+JSON calls go to `/message:send`,
   * `/tasks/{id}`..., the card is at `/.well-known/agent-card.json` (a path under
   * `/agents/{agentId}` naming this agent is read as before). Without it the agent comes from
   * the route's `{agentId}` or from `/agents/{agentId}` in the path, and a path naming none is
   * answered 404.
   */
  agentId?: string
}

/** Where a call naming no agent should have gone, for the 404 that says so. */
const noAgentIn = (path: string): A2AFailure => ({
  kind: 'agent-not-found',
  message: `The path ${path} names no agent: A2A calls go to /agents/{agentId} (JSON-RPC) or below it (HTTP+JSON).`,
})

/** A call naming an agent other than the one this Lambda serves: not its to answer. */
const otherAgentIn = (named: string, served: string): A2AFailure => ({
  kind: 'agent-not-found',
  message: `No agent ${named} here: this endpoint serves ${served}.`,
})

/**
 * Turns a request to `/agents/{agentId}...` (either binding) into one A2A call in
 * `context.a2a`, the one reading of the request every later middleware, the
 * handler and `a2aErrors` use: the body decoded once (`call.body`), its binding
 * and JSON-RPC id. A request that is not valid A2A is answered here, in the
 * caller's binding.
 *
 * @example
 * middy().use(a2aErrors({ logger })).use(a2aRequest({ maxBodyBytes: config.maxRequestBytes }))
 */
export const a2aRequest = (
  options: A2ARequestOptions = {},
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, A2ARequestContext> => {
  checkOptions('a2aRequest', options, {
    maxBodyBytes: optionRules.positiveInteger().optional(),
    agentId: optionRules.text().optional(),
  })
  const { maxBodyBytes = defaultMaxRequestBytes, agentId: onlyAgent } = options

  const a2aRequestMiddlewareBefore = (
    request: Request<APIGatewayProxyEvent, unknown, Error, A2ARequestContext>,
  ) => {
    const event = request.event as AnyA2AEvent
    const method = methodOf(event)
    const { agentId, subPath, otherAgentId } = a2aAddressOf(event, onlyAgent)
    const body = bodyOf(event)
    if (body !== null && Buffer.byteLength(body) > maxBodyBytes) {
      return refused(
        {
          kind: 'payload-too-large',
          message: `The request body is larger than the ${maxBodyBytes}-byte limit.`,
        },
        (failure) => renderA2AFailure(failure, bindingOf(method, subPath)),
      )
    }
    // A form, or a charset other than UTF-8: read as UTF-8 here and by the charset named at the
    // agent, one body could be two requests.
    const form = body ? formContentType(event) : undefined
    const charset = body && form === undefined ? nonUtf8Charset(event) : undefined
    if (form !== undefined || charset !== undefined) {
      return refused(
        {
          kind: 'content-type-not-supported',
          message: `Unsupported Content-Type "${form ?? charset}": ${form ? 'send the body as application/json (or application/a2a+json)' : 'its charset is not UTF-8; send the body as UTF-8, with charset=utf-8 or none'}.`,
        },
        (failure) => renderA2AFailure(failure, bindingOf(method, subPath)),
      )
    }
    if (otherAgentId !== undefined) {
      return refused(otherAgentIn(otherAgentId, agentId), (failure) =>
        renderA2AFailure(failure, bindingOf(method, subPath), jsonRpcIdOf(body)),
      )
    }
    // A route naming no agent is the route's to answer (the gateway's /route picks one); a
    // function URL or ALB path naming none would only meet "no grant for agent ''" later.
    if (agentId === '' && isRouteless(event)) {
      return refused(noAgentIn(pathOf(event)), (failure) =>
        renderA2AFailure(failure, bindingOf(method, subPath), jsonRpcIdOf(body)),
      )
    }
    const query = queryOf(event)
    const parsed = parseA2ARequest({
      agentId,
      method,
      subPath,
      query,
      body,
      a2aVersion: declaredVersionOf(event, query),
    })
    if (parsed.kind === 'invalid') {
      // A body that does not parse and says it is compressed: what to fix is the compression
      // (API Gateway may have decompressed one and left the header, which then parsed).
      const coding =
        parsed.failure.kind === 'parse-error' ? unsupportedContentEncoding(event) : undefined
      const refusal: A2AFailure =
        coding === undefined
          ? parsed.failure
          : {
              kind: 'content-type-not-supported',
              message: unsupportedContentEncodingMessage(coding),
            }
      return refused(refusal, (failure) =>
        renderA2AFailure(failure, parsed.binding, parsed.jsonRpcId, parsed.version),
      )
    }
    request.context.a2a = parsed
  }

  return { before: a2aRequestMiddlewareBefore }
}
