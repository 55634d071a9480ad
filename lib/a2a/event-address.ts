import {
  type AnyHttpEvent,
  agentPathOf,
  bodyOf,
  decodedOnce,
  methodOf,
  pathOf,
  pathParameterOf,
} from '../http/lambda-event.ts'
import { type A2AFailure, type RenderedError, renderA2AFailure } from './errors.ts'
import { bindingOf, jsonRpcIdOf } from './request.ts'

/**
 * An event as far as where it is addressed goes: API Gateway REST's route (`resource`) and HTTP
 * API's (`routeKey`) with their path parameters; a function URL or ALB event has neither.
 */
export interface AddressedEvent extends AnyHttpEvent {
  resource?: string | null
  routeKey?: string
  pathParameters?: Record<string, string | undefined> | null
}

/** The API Gateway route: REST's `resource`, or the path of HTTP API's `routeKey` ('POST /agents/{agentId}'). */
const routeOf = (event: AddressedEvent): string | undefined =>
  event.resource ?? event.routeKey?.split(' ')[1]

/** A function URL or ALB event: no API Gateway route says what its path means. */
export const isRouteless = (event: AddressedEvent): boolean =>
  routeOf(event) === undefined && !event.pathParameters

const agentRoot = '/agents/{agentId}/'

export interface A2AAddress {
  /** The agent called: `onlyAgent` when given, else the one the route or path names ('' for none). */
  agentId: string
  /** The path below the agent: '' for the agent itself (JSON-RPC), `/message:send`... */
  subPath: string
  /** An agent the route or path names that is not `onlyAgent`: the call is not this Lambda's. */
  otherAgentId?: string
}

/**
 * Where a request is addressed, from any event type: the agent in the route's `{agentId}` or, on
 * a function URL or ALB, in `/agents/{agentId}` of the path; the path below it from the route's
 * `{proxy+}`, a literal route's tail, or the path: a routeless path naming no agent is all below
 * the agent, the one `onlyAgent` names (`a2aRequest`'s `agentId`: a Lambda serving one).
 *
 * @example
 * a2aAddressOf({ rawPath: '/agents/weather/tasks/t1' }) // { agentId: 'weather', subPath: '/tasks/t1' }
 * a2aAddressOf({ rawPath: '/message:send' }, 'team') // { agentId: 'team', subPath: '/message:send' }
 */
export const a2aAddressOf = (event: AddressedEvent, onlyAgent?: string): A2AAddress => {
  const routeless = isRouteless(event)
  const fromPath = routeless ? pathAddressOf(pathOf(event), onlyAgent) : undefined
  const namedAgentId = pathParameterOf(event, 'agentId') ?? fromPath?.agentId
  const otherAgentId =
    onlyAgent !== undefined && namedAgentId !== undefined && namedAgentId !== onlyAgent
      ? namedAgentId
      : undefined
  return {
    agentId: onlyAgent ?? namedAgentId ?? '',
    subPath: subPathOf(event, routeless, fromPath),
    ...(otherAgentId !== undefined && { otherAgentId }),
  }
}

/**
 * The agent a routeless path names, and what follows: `/agents/{agentId}/…` anywhere in it (a
 * stage or base path before it). For a Lambda serving one agent, its own id anywhere, but another
 * only at the start: a task whose id is `agents` names no agent.
 */
const pathAddressOf = (path: string, onlyAgent: string | undefined) => {
  const anywhere = agentPathOf(path)
  if (onlyAgent === undefined || anywhere?.agentId === onlyAgent) return anywhere
  return agentPathOf(path, { atStart: true })
}

/** The path below the agent: the `{proxy+}` part, what a literal route names after it, or the path's. */
const subPathOf = (
  event: AddressedEvent,
  routeless: boolean,
  fromPath: { subPath: string } | undefined,
): string => {
  const proxy = pathParameterOf(event, 'proxy')
  if (proxy) return `/${proxy}`
  const route = routeOf(event)
  if (route?.startsWith(agentRoot)) return route.slice(agentRoot.length - 1)
  if (!routeless) return ''
  // A routeless path naming no agent is all below the agent (a Lambda serving one, or a 404).
  return fromPath?.subPath ?? decodedOnce(pathOf(event)).replace(/^\/$/, '')
}

/**
 * A failure answered in the binding the request speaks, from any event type, before (or without)
 * `a2aRequest`'s reading: a POST to the agent itself is JSON-RPC, under the id its client waits
 * on; any other request HTTP+JSON.
 *
 * @example
 * renderA2AFailureIn({ httpMethod: 'POST', path: '/agents/a/message:send' }, failure) // HTTP+JSON
 */
export const renderA2AFailureIn = (event: AddressedEvent, failure: A2AFailure): RenderedError => {
  const binding = bindingOf(methodOf(event), a2aAddressOf(event).subPath)
  return renderA2AFailure(
    failure,
    binding,
    binding === 'JSONRPC' ? jsonRpcIdOf(bodyOf(event)) : null,
  )
}
