import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import type { AgentCardJson } from '../lib/a2a/agent-card.ts'
import { cardHeaders } from '../lib/a2a/card-headers.ts'
import { renderA2AFailure } from '../lib/a2a/errors.ts'
import { operationNames } from '../lib/a2a/operations.ts'
import type { A2ACall } from '../lib/a2a/request.ts'
import { dialectOf, VersionTranslationError } from '../lib/a2a/versions.ts'
import type { Caller } from '../lib/auth/caller.ts'
import { type Grants, mostGenerousLimit } from '../lib/auth/grants.ts'
import { messageText, type RouteChoice } from '../lib/discovery/route.ts'
import type { RouteThreshold } from '../lib/discovery/route-threshold.ts'
import { asJsonObject } from '../lib/json-object.ts'
import { loadOnce } from '../lib/load-once.ts'
import { checkOptions, optionRules } from '../lib/options.ts'
import type { RateLimitRequest } from '../lib/ratelimit/rate-limiter.ts'
import { namedTask } from '../lib/tasks/task-calls.ts'
import type { TaskHolders } from '../lib/tasks/task-owners.ts'
import type { A2ARequestContext, RoutedContext } from './a2a-request.ts'
import { refused } from './support/refusal.ts'
import { requires } from './support/requires.ts'
import type { CallerContext } from './verified-caller.ts'

export type RouteContext = A2ARequestContext & CallerContext & RoutedContext

export interface RouteMessageOptions {
  /** Picks the agent for a message text among the caller's. */
  choose: (
    text: string,
    caller: { grants: Grants; operation: 'SendMessage' | 'SendStreamingMessage' },
  ) => Promise<RouteChoice>
  /** The router's card as the gateway serves it (signed). */
  routerCard: (event: APIGatewayProxyEvent) => Promise<AgentCardJson>
  /** Which agents hold a task the caller created: a message that names its task goes there. */
  tasks: TaskHolders
}

/** Three places, as the refusal's details give scores: a score rounded down, a bar up. */
const places = 1000
const scoreShown = (score: number) => (Math.floor(score * places + 1e-9) / places).toFixed(3)
const barShown = (bar: number) => (Math.ceil(bar * places - 1e-9) / places).toFixed(3)

/**
 * What the refusal says the best agent needed, e.g. ` (it needs a score of 0.150 and a lead of
 * 0.050 over the next)`: a lead only where it has a rival. Scores are rounded down and the bar
 * up, so a score short of the bar never reads as reaching it.
 */
const needed = (threshold: RouteThreshold | undefined, rivals: number) =>
  threshold
    ? ` (it needs a score of ${barShown(threshold.minScore)}${threshold.minMargin > 0 && rivals > 0 ? ` and a lead of ${barShown(threshold.minMargin)} over the next` : ''})`
    : ''

/** 0.3's values as 1.0's, loaded with the first 0.3 message routed (issue 20's start budget). */
const versionValues = loadOnce(() => import('../lib/a2a/version-values.ts'))

/** A message's params in 1.0's spelling: a 0.3 HTTP+JSON message keeps its parts in `content`. */
const paramsInV1 = async ({ version, binding, operation, params }: A2ACall) => {
  const dialect = dialectOf(version, binding)
  return dialect === '1.0'
    ? asJsonObject(params)
    : (await versionValues()).paramsToV1(dialect, operation, params)
}

const isRouterRequest = (event: APIGatewayProxyEvent) =>
  event.resource?.startsWith('/route') ?? false

/**
 * What a message to `/route` counts against, before it is embedded (a Bedrock
 * call on AWS), whether it ends routed or unrouted: the caller's own `/route`
 * counter (`/route` cannot be an agent id), at its most generous limit for a
 * message on any agent it holds, since the router may pick any of them. Reading the router's
 * card is free; undefined for every other request.
 *
 * @example
 * rateLimit({ limiter, subject: (request) => routerRateLimit(request, 60), limitedResponse })
 */
export const routerRateLimit = (
  request: { event: APIGatewayProxyEvent; context: A2ARequestContext & CallerContext },
  defaultLimit: number,
): RateLimitRequest | undefined => {
  if (!isRouterRequest(request.event)) return undefined
  if (requires(request.context, 'a2a', 'routerRateLimit').kind !== 'call') return undefined
  const caller = requires(request.context, 'caller', 'routerRateLimit')
  return {
    principal: caller.principal,
    resource: '/route',
    limit: routeLimit(caller, defaultLimit),
  }
}

/** What the router may send: a message, streamed or not. */
const routedOperations = ['SendMessage', 'SendStreamingMessage'] as const

/** Its most generous for a message; a caller granted none routes nothing, at its own limit. */
const routeLimit = (caller: Pick<Caller, 'grants' | 'limits'>, defaultLimit: number) =>
  mostGenerousLimit(caller, routedOperations) ??
  mostGenerousLimit(caller, operationNames) ??
  defaultLimit

/**
 * Automatic routing on `/route`: a SendMessage with no agent goes to the
 * caller's best-matching agent, or, when its message continues a task
 * (`message.taskId`), to the agent holding that task of the caller's: `context.routed` hands on the call re-addressed
 * to it, which `a2aOf` gives every later middleware and the handler as if the
 * caller had named it, so grants, limits and forwarding apply unchanged;
 * `context.a2a` stays what the caller sent. Below the confidence threshold the caller gets the
 * candidates instead of a guess. Runs after `a2aRequest`, before `agentGrant`.
 *
 * @example
 * middy()
 *   .use(a2aRequest())
 *   .use(verifiedCaller())
 *   .use(routeMessage({ choose, routerCard }))
 *   .use(agentGrant())
 *   .handler(forward)
 */
export const routeMessage = (
  options: RouteMessageOptions,
): MiddlewareObj<APIGatewayProxyEvent, unknown, Error, RouteContext> => {
  checkOptions('routeMessage', options, {
    choose: optionRules.function(),
    routerCard: optionRules.function(),
    tasks: optionRules.methods('holdersOf'),
  })
  const routeMessageMiddlewareBefore = async (
    request: Request<APIGatewayProxyEvent, unknown, Error, RouteContext>,
  ) => {
    const { event, context } = request
    if (!isRouterRequest(event)) return
    const a2a = requires(context, 'a2a', 'routeMessage')
    if (a2a.kind === 'card') {
      return {
        statusCode: 200,
        headers: cardHeaders,
        body: JSON.stringify(await options.routerCard(event)),
      }
    }
    const { call } = a2a
    if (call.skill) {
      // A skill is an agent's: the router has none, and a message it routes names none.
      return refused(
        {
          kind: 'method-not-found',
          message: `'${call.skill.id}' is no A2A method, and the router has no skills: send a message (SendMessage or SendStreamingMessage), or call the skill at /agents/{agentId}.`,
        },
        (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    if (call.operation !== 'SendMessage' && call.operation !== 'SendStreamingMessage') {
      return refused(
        {
          kind: 'unsupported-operation',
          message: `The router only sends messages; call ${call.operation} at /agents/{agentId}.`,
        },
        (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    const caller = requires(context, 'caller', 'routeMessage')
    const named = namedTask(call)
    if (named && 'invalid' in named) {
      return refused({ kind: 'invalid-params', message: named.invalid }, (failure) =>
        renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    if (named) {
      // A message that continues a task goes to the agent holding it, whatever its text says;
      // one the caller holds no grant of this operation on refuses it there (403), as a direct
      // call is refused.
      const holders = await options.tasks.holdersOf(
        named.taskId,
        Object.keys(caller.grants),
        caller.principal,
      )
      if (holders.length !== 1) {
        return refused(
          holders.length === 0
            ? { kind: 'task-not-found', message: `Task '${named.taskId}' was not found.` }
            : {
                kind: 'invalid-params',
                message: `Task '${named.taskId}' is a task of yours at ${holders.length} agents (${holders.join(', ')}): continue it at /agents/{agentId}.`,
              },
          (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
        )
      }
      const [agentId] = holders as [string]
      context.routed = { agentId, call: { ...call, agentId } }
      return
    }
    let routed: ReturnType<typeof messageText>
    try {
      routed = messageText(await paramsInV1(call))
    } catch (error) {
      if (!(error instanceof VersionTranslationError)) throw error
      routed = { invalid: error.message }
    }
    if ('invalid' in routed) {
      return refused({ kind: 'invalid-params', message: routed.invalid }, (failure) =>
        renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    const choice = await options.choose(routed.text, {
      grants: caller.grants,
      operation: call.operation,
    })
    if (!choice.chosen) {
      const { candidates } = choice
      const listed = candidates.map(({ key, score }) => `${key} (${scoreShown(score)})`).join(', ')
      return refused(
        {
          kind: 'no-confident-route',
          message: listed
            ? `No agent matches this message confidently${needed(choice.threshold, candidates.length - 1)}. Closest: ${listed}; call one at /agents/{agentId}.`
            : 'No agent you may use can take this message.',
          candidates: candidates.map(({ key, score }) => ({ agentId: key, score })),
        },
        (failure) => renderA2AFailure(failure, call.binding, call.jsonRpcId, call.version),
      )
    }
    const agentId = choice.chosen.key
    context.routed = { agentId, call: { ...call, agentId } }
  }

  return { before: routeMessageMiddlewareBefore }
}
