import type { OperationName } from '../a2a/operations.ts'
import {
  misspelledField,
  misspelling,
  type Spellings,
  spellingsFor,
  spellingsOf,
} from '../a2a/proto-fields.ts'
import type { A2ACall } from '../a2a/request.ts'
import { parseKeepingInexactNumbers } from '../json-kept-numbers.ts'
import { isJsonObject as isObject } from '../json-object.ts'
import { mapConcurrently } from '../map-concurrently.ts'
import type { ClientWebhook } from './push-configs.ts'

type Json = Record<string, unknown>

/** The path of the callback the gateway hands agents, below its base URL. */
export const pushCallbackPath = (configId: string) => `/push/${configId}`

const callbackUrlPattern = /\/push\/([A-Za-z0-9_-]{16,64})$/

/** The config id a URL of the gateway's push callback names, if it is one. */
export const callbackConfigId = (url: string): string | undefined =>
  callbackUrlPattern.exec(url)?.[1]

/** A push config: an object that says where or how to push (`url`, `token`, `authentication`). */
const isPushConfig = (value: unknown): value is Json =>
  isObject(value) && ('url' in value || 'token' in value || 'authentication' in value)

/** Where a SendMessage's `configuration` holds an inline push config, in 1.0 and 0.3. */
const inlineConfigPlaces = [
  'taskPushNotificationConfig',
  'pushNotificationConfig',
  'pushNotification',
]

/**
 * The push config objects a call carries, in its params (JSON-RPC) or body
 * (HTTP+JSON): 1.0's flat config in CreateTaskPushNotificationConfig and 0.3's
 * nested `pushNotificationConfig` (both, when both are given), and either
 * version's inline config in a SendMessage's `configuration`
 * (`taskPushNotificationConfig`, `pushNotificationConfig`, 0.3 proto's
 * `pushNotification`), each under its JSON name or its proto name, as an agent's
 * parser reads them. The objects themselves, so a caller can rewrite them in
 * place. More than one is a call no one can tell the agent's reading of.
 */
export const pushConfigsIn = (operation: OperationName, payload: unknown): Json[] => {
  if (!isObject(payload)) return []
  const configs = (found: [string, unknown][]) =>
    found.map(([, value]) => value).filter(isPushConfig)
  if (operation === 'CreateTaskPushNotificationConfig') {
    return createHolders(payload).flatMap((holder) => [
      ...(isPushConfig(holder) ? [holder] : []),
      ...configs(spellingsOf(holder, 'pushNotificationConfig')),
    ])
  }
  if (operation === 'SendMessage' || operation === 'SendStreamingMessage') {
    const { configuration } = payload
    if (!isObject(configuration)) return []
    return configs(spellingsOf(configuration, ...inlineConfigPlaces))
  }
  return []
}

/**
 * Where a CreateTaskPushNotificationConfig's config sits: the body itself (1.0, and 0.3's proto,
 * whose HTTP rule makes the config the body), and under `config`, as 0.3's specification text
 * shows its HTTP+JSON body (`{ config: TaskPushNotificationConfig }`), which an agent following
 * that text reads.
 */
const createHolders = (payload: Json): Json[] => [
  payload,
  ...spellingsOf(payload, 'config')
    .map(([, value]) => value)
    .filter(isObject),
]

const webhookFields = ['url', 'token', 'authentication']
const inConfig = spellingsFor(webhookFields)
const inCreate = spellingsFor([...webhookFields, 'pushNotificationConfig', 'config'])
const inSendMessage = spellingsFor(['configuration'])
const inConfiguration = spellingsFor(inlineConfigPlaces)

/**
 * A field of a call's push config, or of where a config sits, spelled otherwise than as A2A spells
 * it (`Token`, `URL`, `TaskPushNotificationConfig`): a message saying which, or undefined. The
 * gateway rewrites what it reads, so a config under such a key would reach the agent with the
 * client's own webhook and secrets, for an agent whose parser ignores case to push to directly,
 * past the gateway's address check (a red team's finding): refused, never forwarded.
 *
 * @example
 * misspelledPushField('CreateTaskPushNotificationConfig', { taskId: 't', URL: 'https://x' })
 * // "The push notification config's field 'URL' is spelled otherwise than A2A's 'url': send it as 'url'."
 */
export const misspelledPushField = (
  operation: OperationName,
  payload: unknown,
): string | undefined => {
  if (!isObject(payload)) return undefined
  const places: [Json, Spellings][] = []
  /** Every object under a config's place, whatever its keys: one whose keys are all misspelled too. */
  const configsUnder = (holder: Json, ...names: string[]) => {
    for (const [, value] of spellingsOf(holder, ...names)) {
      if (isObject(value)) places.push([value, inConfig])
    }
  }
  if (operation === 'CreateTaskPushNotificationConfig') {
    for (const holder of createHolders(payload)) {
      places.push([holder, inCreate])
      configsUnder(holder, 'pushNotificationConfig')
    }
  } else if (operation === 'SendMessage' || operation === 'SendStreamingMessage') {
    places.push([payload, inSendMessage])
    const { configuration } = payload
    if (isObject(configuration)) {
      places.push([configuration, inConfiguration])
      configsUnder(configuration, ...inlineConfigPlaces)
    }
  } else {
    return undefined
  }
  for (const [object, spellings] of places) {
    const found = misspelling(object, spellings)
    if (found) return misspelledField('The push notification config', found)
  }
  return undefined
}

/** Whether a config names itself: an `id` that is a string and not empty. */
export const hasId = (config: Json): boolean => typeof config.id === 'string' && config.id !== ''

/** The client's webhook as a config states it. */
export const webhookOf = (config: Json): ClientWebhook => ({
  url: config.url as string,
  ...(typeof config.token === 'string' && config.token !== '' ? { token: config.token } : {}),
  ...(isObject(config.authentication) ? { authentication: config.authentication } : {}),
})

/** The request payload a call's body carries: JSON-RPC params, or the HTTP+JSON body. */
const payloadOfBody = (call: A2ACall, body: Json): unknown =>
  call.binding === 'JSONRPC' ? body.params : body

/**
 * The members `withCallback` sets in a push config: `url` the callback, `token` the callback's
 * secret, and `id` the callback's when one is given and the config has none. Also what the
 * gateway adds to the call's bytes (`memberBytes`): an id the config already has is the caller's.
 */
export const callbackMembers = (
  config: Json,
  callback: { url: string; secret: string; id?: string | undefined },
): Json => ({
  url: callback.url,
  token: callback.secret,
  ...(callback.id !== undefined && !hasId(config) ? { id: callback.id } : {}),
})

/**
 * The call with its push config pointing at the gateway's callback instead of
 * the client's webhook (`callbackMembers`), with no `authentication` (the agent
 * needs none beyond the secret). Params and body are rewritten alike, so the
 * call forwards the same whichever the agent reads.
 */
export const withCallback = (
  call: A2ACall,
  callback: { url: string; secret: string; id?: string | undefined },
): A2ACall => {
  const rewrite = (config: Json | undefined) => {
    if (!config) return
    Object.assign(config, callbackMembers(config, callback))
    delete config.authentication
  }
  const params = structuredClone(call.params)
  for (const config of pushConfigsIn(call.operation, params)) rewrite(config)
  let { body } = call
  if (body !== undefined) {
    // Numbers kept as the caller wrote them: only the configs change on the way to the agent.
    const parsed = parseKeepingInexactNumbers(body) as Json
    for (const config of pushConfigsIn(call.operation, payloadOfBody(call, parsed))) rewrite(config)
    body = JSON.stringify(parsed)
  }
  return { ...call, params, ...(body === undefined ? {} : { body }) }
}

/**
 * An answer with every push config that points at one of the caller's
 * callbacks shown as the client set it: `url`, `token` and `authentication`
 * from `webhookFor(configId)`. Any other config (another caller's callback, a
 * gone one, a URL spelled otherwise, one the gateway never set) keeps its `url`
 * but loses its `token` and `authentication`: every config set through the
 * gateway points at a callback whose secret authenticates pushes to it, so no
 * caller sees one, whatever an agent answers. Walks the whole answer, so
 * Create, Get and List answers in both versions and bindings are covered.
 */
export const withClientWebhooks = async (
  answer: unknown,
  /**
   * The webhook behind a callback, given the secret (`token`) the agent shows with it and the
   * `id` it names the config by, if any.
   */
  webhookFor: (
    configId: string,
    shown: { token?: string; id?: string },
  ) => Promise<ClientWebhook | undefined>,
  /**
   * The most the webhooks shown may add, in bytes of JSON: an agent may name one callback in
   * thousands of configs of 40 bytes, each shown with a client's webhook of up to 14 KB.
   */
  maxAddedBytes = Number.POSITIVE_INFINITY,
): Promise<unknown> => {
  let added = 0
  const sizes = new WeakMap<ClientWebhook, number>()
  const counted = (webhook: ClientWebhook | undefined) => {
    if (!webhook) return webhook
    const size = sizes.get(webhook) ?? Buffer.byteLength(JSON.stringify(webhook))
    sizes.set(webhook, size)
    added += size
    if (added > maxAddedBytes) throw new ShownTooLargeError()
    return webhook
  }
  /** The configs naming a callback, each a copy to show its webhook in, in the answer's order. */
  const shows: { copy: Json; configId: string; shown: { token?: string; id?: string } }[] = []
  // The answer is copied whole first, and only then are the webhooks looked up: the lookups go a
  // few at a time and stop at the first that passes the bound, so an agent's answer naming a
  // thousand callbacks is not a thousand reads started at once, whatever it is answered.
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > maxShownDepth) throw new AnswerTooDeepError()
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1))
    if (!isObject(value)) return value
    const copy: Json = Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, walk(inner, depth + 1)]),
    )
    if (typeof copy.url !== 'string') return copy
    const configId = callbackConfigId(copy.url)
    const { token: _token, authentication: _authentication, ...rest } = copy
    if (configId) {
      shows.push({
        copy: rest,
        configId,
        shown: {
          ...(typeof copy.token === 'string' ? { token: copy.token } : {}),
          ...(hasId(copy) ? { id: copy.id as string } : {}),
        },
      })
    }
    return rest
  }
  const shownAnswer = walk(answer, 0)
  /** Each callback's place among the distinct ones, in the answer's order. */
  const places = new Map<string, number>()
  for (const { configId } of shows) if (!places.has(configId)) places.set(configId, places.size)
  await mapConcurrently(shows, maxWebhookLookups, async ({ copy, configId, shown }) => {
    const webhook = await webhookFor(configId, shown)
    // Past the first `maxCallbacksShown`, a callback is read on only while it is the caller's.
    if (webhook === undefined && (places.get(configId) ?? 0) >= maxCallbacksShown) {
      throw new TooManyCallbacksError()
    }
    // Over the copy's own keys, as `{ ...rest, ...webhook }` writes them: `url` stays in place.
    Object.assign(copy, counted(webhook))
  })
  return shownAnswer
}

/**
 * The most callbacks one answer may name that are not the caller's own configs (`webhookFor`
 * finds none): each is a strongly consistent read of a config, whoever's it is. Past this many
 * distinct callbacks, the first that is not the caller's refuses the answer (a few reads in flight
 * end first), so an agent's List of 20,000 made-up callbacks, 20,000 reads for one call until 8
 * December 2026, reads some 100; a task's configs its caller set are all read and shown, however
 * many (@a2a-js/sdk's servers list them all, whatever `pageSize` asks): each was its Create.
 */
export const maxCallbacksShown = 100

/**
 * How many of an answer's webhook lookups (a read, and for the caller's own config a link
 * write) run at once: a List answer of a task's few configs is not slowed, and a thousand are
 * not a thousand requests in flight.
 */
export const maxWebhookLookups = 8

/**
 * How deep an agent's push-config answer may nest (a List answer's configs sit five levels down):
 * a walk any deeper could exhaust the stack, and an answer it cannot walk whole it may not pass
 * on, since a callback's secret could sit below where it stopped.
 */
export const maxShownDepth = 64

/** An agent's push-config answer nests deeper than `maxShownDepth`: it is not passed on. */
export class AnswerTooDeepError extends Error {
  constructor() {
    super(`The agent's answer nests deeper than ${maxShownDepth} levels.`)
    this.name = 'AnswerTooDeepError'
  }
}

/** An agent's push-config answer names more callbacks than the gateway looks up for one call, past the caller's own. */
export class TooManyCallbacksError extends Error {
  constructor() {
    super(
      `The agent's answer names more than ${maxCallbacksShown} push callbacks, not all of them the caller's configs.`,
    )
    this.name = 'TooManyCallbacksError'
  }
}

/** The webhooks an agent's push-config answer would be shown with pass what it may add. */
export class ShownTooLargeError extends Error {
  constructor() {
    super(
      "The agent's answer, shown with its clients' webhooks, would pass what an answer carries.",
    )
    this.name = 'ShownTooLargeError'
  }
}
