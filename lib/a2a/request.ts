import { nestsDeeperThan } from '../json-depth.ts'
import { topLevelNumberAsWritten } from '../json-kept-numbers.ts'
import { isJsonObject } from '../json-object.ts'
import { parseJson } from '../json-parse.ts'
import type { Binding } from './agent-card.ts'
import { duplicateKey, freeFormFields } from './duplicate-keys.ts'
import type { A2AFailure } from './errors.ts'
import {
  type OperationName,
  operationForMethod,
  operationForRestPath,
  operations,
  restPathParams,
} from './operations.ts'
import {
  type FieldViolation,
  maxListedViolations,
  paramsViolations,
  restParams,
  shown,
  signingQueryViolations,
  violationsMessage,
} from './params.ts'
import { misspelledField, misspelling, spellingsFor } from './proto-fields.ts'
import { agentCardPath } from './protocol-values.ts'
import { skillIdPattern } from './skill-call.ts'
import { type ProtocolVersion, requestedVersion } from './versions.ts'

/** One A2A call, whichever binding it came in on. */
export interface A2ACall {
  agentId: string
  operation: OperationName
  version: '1.0' | '0.3'
  /** JSON-RPC `params`, or the HTTP+JSON body (undefined for GET/DELETE). */
  params: unknown
  stream: boolean
  binding: Binding
  /** JSON-RPC request id, echoed in gateway-made answers. */
  jsonRpcId?: string | number | null
  /** HTTP+JSON path below the agent, percent-encoded, with its query string, e.g. `/tasks/abc?historyLength=2`. */
  restPath?: string
  /**
   * Set when a JSON-RPC method is not an A2A operation but may be one of the
   * agent's skills: the call is then a SendMessage carrying these params.
   */
  skill?: { id: string; params: unknown }
  /** HTTP+JSON: the tenant the path names (`/{tenant}/message:send`). */
  tenant?: string
  /**
   * The request body as the caller sent it, decoded once (API Gateway hands
   * non-text bodies over base64-encoded): what a call in the agent's own
   * binding forwards byte for byte. Absent when there was none.
   */
  body?: string
  /**
   * The `A2A-Version` the caller declared, as it declared it: its header, else the request
   * parameter of that name (1.0 lets a client send it so, which agents do not read). Absent when
   * it declared none.
   */
  declaredVersion?: string
}

export type A2ARequest =
  | { kind: 'card'; agentId: string }
  | { kind: 'call'; call: A2ACall }
  | {
      kind: 'invalid'
      binding: Binding
      failure: A2AFailure
      jsonRpcId?: string | number | null
      /** The version the refusal answers in, once the call's version is known (0.3's shape). */
      version?: ProtocolVersion
    }

export interface HttpRequestParts {
  agentId: string
  method: string
  /** Path below `/agents/{agentId}`: '' for the agent itself. */
  subPath: string
  query?: string
  /** The body, already decoded from base64 if it came so. */
  body: string | null
  /** The version the caller declares: its `A2A-Version` header, else that query parameter. */
  a2aVersion?: string
}

const cardPath = `/${agentCardPath}`

/**
 * How deep a call's params may nest (an HTTP+JSON body, a JSON-RPC envelope's `params`): far
 * beyond any A2A call's own shape (a data part's value sits five levels down), and short of what
 * walking them to translate or check them could exhaust the stack with (a few thousand levels,
 * in 9 KB).
 */
export const maxRequestDepth = 64

const tooDeep: A2AFailure = {
  kind: 'invalid-request',
  message: `The request body nests deeper than ${maxRequestDepth} levels.`,
}

/**
 * A skill call's params are the caller's own data: the gateway puts them in a data part's `data`,
 * which every reader takes as a map, so keys there that differ only in case (`{"CO":…,"Co":…}`,
 * carbon monoxide and cobalt) are two keys, as under `metadata`.
 */
const skillCallFreeForm: ReadonlySet<string> = new Set([...freeFormFields, 'params'])

/** Whether a JSON-RPC method is a skill's id rather than an A2A method (`parseJsonRpc`). */
const isSkillCall = (method: unknown): boolean =>
  typeof method === 'string' && !operationForMethod(method) && skillIdPattern.test(method)

/** A JSON-RPC request's members, as the gateway reads them. */
const envelopeSpellings = spellingsFor(['jsonrpc', 'method', 'params', 'id'])

/** What a body names twice, as the A2A failure that refuses it. */
const repeatedKey = ({ key, first }: { key: string; first: string }): A2AFailure => ({
  kind: 'invalid-request',
  message: `The request body names "${first}" twice in one object${key === first ? '' : ` (once as "${key}": some agents ignore case)`}; each key may appear once.`,
})

/**
 * A call whose `A2A-Version` names the other version than its method or path names, refused
 * rather than read as either: read by its method or path, a 1.0 body sent to a 0.3 path lost its
 * parts (0.3's HTTP+JSON calls them `content`). A version the gateway does not know (`2.0`) is
 * the agent's to answer, and a call without the header is read by its method or path.
 */
const versionConflict = (
  declared: string | undefined,
  found: { operation: OperationName; version: ProtocolVersion },
  named: { method: string } | { path: string },
): A2AFailure | undefined => {
  const version = requestedVersion(declared)
  if (version === undefined || version === found.version) return undefined
  const said = `A2A-Version says ${version}, but`
  if ('path' in named) {
    const where = version === '1.0' ? '1.0 paths have no /v1 prefix' : '0.3 paths start with /v1'
    return {
      kind: 'invalid-request',
      message: `${said} ${named.path} is an A2A ${found.version} path; ${where}.`,
    }
  }
  const legacy = operations[found.operation].legacyMethod
  const other =
    version === '1.0'
      ? `1.0 calls it "${found.operation}"`
      : legacy
        ? `0.3 calls it "${legacy}"`
        : '0.3 has no such method'
  return {
    kind: 'invalid-request',
    message: `${said} "${named.method}" is an A2A ${found.version} method; ${other}.`,
  }
}

/** Invalid A2A 1.0 params, field by field (the first few), as the failure that refuses them. */
const invalidParams = (violations: FieldViolation[], prefix: 'params' | ''): A2AFailure => {
  const listed = violations.slice(0, maxListedViolations)
  return {
    kind: 'invalid-params',
    // How many more is not known: a message's parts are checked only until one too many is wrong.
    message: `${violationsMessage(listed, prefix)}${violations.length > listed.length ? '; and more' : ''}`,
    violations: listed,
  }
}

/** A JSON-RPC request refused with `failure`, answered under `jsonRpcId`. */
const invalidJsonRpc = (jsonRpcId: string | number | null, failure: A2AFailure): A2ARequest => ({
  kind: 'invalid',
  binding: 'JSONRPC',
  jsonRpcId,
  failure,
})

/** JSON-RPC 2.0: "An identifier ... MUST contain a String, Number, or NULL value if included." */
const isJsonRpcId = (id: unknown) =>
  id === undefined || id === null || typeof id === 'string' || typeof id === 'number'

/**
 * The JSON-RPC id of a request refused before it was read (no agent named, no valid token), so
 * the refusal answers under the id the client waits on; null for a body that is not a JSON-RPC
 * request, or whose id is not a string or a number.
 *
 * @example
 * jsonRpcIdOf('{"jsonrpc":"2.0","id":7,"method":"SendMessage"}') // 7
 */
export const jsonRpcIdOf = (body: string | null): string | number | null => {
  try {
    const { id } = (parseJson(body ?? '') ?? {}) as Record<string, unknown>
    return idAsWritten(id, body ?? '')
  } catch {
    return null
  }
}

/**
 * A JSON-RPC request's id, the answer's to echo: a string, or a number kept as the client wrote
 * it where JSON would write it otherwise (`topLevelNumberAsWritten`): until the 29th session a
 * refusal the gateway made itself answered `12345678901234567890` as `12345678901234567000`,
 * which a client holding 64-bit or exact ids matches to no request. Null for any other id.
 */
const idAsWritten = (id: unknown, body: string): string | number | null =>
  typeof id === 'string'
    ? id
    : typeof id === 'number'
      ? topLevelNumberAsWritten(body, 'id', id)
      : null

const parseJsonRpc = (
  agentId: string,
  body: string | null,
  a2aVersion: string | undefined,
): A2ARequest => {
  let envelope: unknown
  try {
    envelope = parseJson(body ?? '')
  } catch {
    return {
      kind: 'invalid',
      binding: 'JSONRPC',
      failure: { kind: 'parse-error', message: 'The request body is not valid JSON.' },
    }
  }
  if (Array.isArray(envelope)) {
    // JSON-RPC 2.0's batch: A2A defines none, and an agent's answer could not be held to the
    // caller's grants and tasks call by call. Its answer is one error object, as the spec's for
    // a batch refused whole.
    return invalidJsonRpc(null, {
      kind: 'invalid-request',
      message: 'JSON-RPC batches are not served: send each request in a call of its own.',
    })
  }
  const { jsonrpc, method, params, id } = (envelope ?? {}) as Record<string, unknown>
  const jsonRpcId = idAsWritten(id, body ?? '')
  // Read once, as the agent will: a key named twice could be read otherwise there.
  const repeated = duplicateKey(
    body as string,
    isSkillCall(method) ? skillCallFreeForm : freeFormFields,
  )
  if (repeated !== undefined) {
    return invalidJsonRpc(
      repeated.first.toLowerCase() === 'id' ? null : jsonRpcId,
      repeatedKey(repeated),
    )
  }
  // A member spelled in another case (`Params`): a2a-go reads it as the member, the gateway as
  // none, and a 0.3 call, whose params go on as they came, would reach it unchecked.
  const otherwise = isJsonObject(envelope) ? misspelling(envelope, envelopeSpellings) : undefined
  if (otherwise) {
    return invalidJsonRpc(otherwise.meant === 'id' ? null : jsonRpcId, {
      kind: 'invalid-request',
      message: misspelledField('The JSON-RPC request', otherwise),
    })
  }
  // The envelope a level above its params: no member nests deeper than params may.
  if (nestsDeeperThan(envelope, maxRequestDepth + 1)) return invalidJsonRpc(jsonRpcId, tooDeep)
  if (!isJsonRpcId(id)) {
    return invalidJsonRpc(null, {
      kind: 'invalid-request',
      message: 'The JSON-RPC id must be a string, a number or null.',
    })
  }
  if (jsonrpc !== '2.0' || typeof method !== 'string') {
    return invalidJsonRpc(jsonRpcId, {
      kind: 'invalid-request',
      // An HTTP+JSON body sent here (the two bindings' examples side by side) is told where it goes.
      message:
        'A JSON-RPC request needs "jsonrpc": "2.0" and a string "method" (an HTTP+JSON call goes to a path below the agent, such as …/message:send).',
    })
  }
  // JSON-RPC params are a structured value (object or array) or absent; A2A's are objects.
  if (params !== undefined && params !== null && typeof params !== 'object') {
    return invalidJsonRpc(jsonRpcId, {
      kind: 'invalid-request',
      message: `JSON-RPC params must be an object (or an array), got ${shown(params)}.`,
    })
  }
  const found = operationForMethod(method)
  if (!found) {
    if (!skillIdPattern.test(method)) {
      return invalidJsonRpc(jsonRpcId, {
        kind: 'method-not-found',
        message: `'${method}' is not an A2A method.`,
      })
    }
    // Whether the agent has this skill is known once its record is read.
    return {
      kind: 'call',
      call: {
        agentId,
        operation: 'SendMessage',
        version: '1.0',
        params,
        stream: false,
        binding: 'JSONRPC',
        jsonRpcId,
        skill: { id: method, params },
        body: body as string,
      },
    }
  }
  const conflict = versionConflict(a2aVersion, found, { method })
  if (conflict) return invalidJsonRpc(jsonRpcId, conflict)
  // 0.3 calls go to 0.3 agents as they came: only 1.0's params are checked here.
  const violations = found.version === '1.0' ? paramsViolations(found.operation, params) : []
  if (violations.length > 0) {
    return invalidJsonRpc(jsonRpcId, invalidParams(violations, 'params'))
  }
  return {
    kind: 'call',
    call: {
      agentId,
      ...found,
      params,
      stream: operations[found.operation].streaming,
      binding: 'JSONRPC',
      jsonRpcId,
      body: body as string,
      ...(a2aVersion === undefined ? {} : { declaredVersion: a2aVersion }),
    },
  }
}

/** A path of only what `encodeURIComponent` leaves as it is, `/` and `:`: most paths, kept as they are. */
const unchangedByEncoding = /^[A-Za-z0-9\-_.!~*'():/]*$/

/**
 * A decoded path below the agent as the backend must receive it: each segment
 * percent-encoded again, so that a `\`, `?`, `#` or `%2e` the gateway decoded in
 * a task id cannot make the backend's URL climb to another path or operation.
 * `:` stays, since `/tasks/{id}:cancel` needs it and no id or tenant may hold one.
 */
const encodedPath = (decoded: string) =>
  unchangedByEncoding.test(decoded)
    ? decoded
    : decoded
        .split('/')
        .map((segment) => encodeURIComponent(segment).replaceAll('%3A', ':'))
        .join('/')

/**
 * A JSON-RPC request's envelope: `jsonrpc` and `method`, which no HTTP+JSON body of any A2A
 * operation has. Both, not `jsonrpc` alone: params carrying a stray `jsonrpc` beside their
 * `message` go on as any member the gateway does not know does.
 */
const isJsonRpcEnvelope = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  'jsonrpc' in body &&
  'method' in body

/** GET and DELETE carry no body in HTTP+JSON; fetch cannot even send one on a GET. */
const operationTakesBody = (method: string) =>
  method !== 'GET' && method !== 'DELETE' && method !== 'HEAD'

const bodyNotTaken = (method: string, what: string): A2AFailure => ({
  kind: 'invalid-request',
  message: `A ${method} request carries no body, and this one has one: send ${what} without it.`,
})

/**
 * What is wrong with an A2A 1.0 HTTP+JSON call's params, read from its path,
 * query and body together; undefined when nothing is.
 */
const restParamsFailure = (
  found: { operation: OperationName; tenant?: string },
  parts: HttpRequestParts,
  body: unknown,
): A2AFailure | undefined => {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    return {
      kind: 'invalid-params',
      message: `The request body must be a JSON object, got ${shown(body)}`,
    }
  }
  const below = found.tenant ? parts.subPath.slice(found.tenant.length + 1) : parts.subPath
  const { params, violations: repeated } = restParams({
    operation: found.operation,
    path: {
      ...restPathParams(found.operation, below),
      ...(found.tenant ? { tenant: found.tenant } : {}),
    },
    query: parts.query,
    body,
  })
  const violations = [...repeated, ...paramsViolations(found.operation, params)]
  return violations.length > 0 ? invalidParams(violations, '') : undefined
}

const parseRest = (parts: HttpRequestParts): A2ARequest => {
  const found = operationForRestPath(parts.method, parts.subPath)
  if (!found) {
    return {
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: {
        kind: 'unsupported-operation',
        message: `${parts.method} ${parts.subPath} is not an A2A HTTP+JSON operation.`,
      },
    }
  }
  const conflict = versionConflict(parts.a2aVersion, found, {
    path: `${parts.method} ${parts.subPath}`,
  })
  if (conflict) return { kind: 'invalid', binding: 'HTTP+JSON', failure: conflict }
  // From here the call's version is its path's: a refusal answers in that version's shape.
  const refused = (failure: A2AFailure): A2ARequest => ({
    kind: 'invalid',
    binding: 'HTTP+JSON',
    failure,
    version: found.version,
  })
  if (parts.body && !operationTakesBody(parts.method)) {
    return refused(bodyNotTaken(parts.method, found.operation))
  }
  let params: unknown
  if (parts.body) {
    try {
      params = parseJson(parts.body)
    } catch {
      return refused({ kind: 'parse-error', message: 'The request body is not valid JSON.' })
    }
    const repeated = duplicateKey(parts.body)
    if (repeated !== undefined) {
      return refused(repeatedKey(repeated))
    }
    if (nestsDeeperThan(params, maxRequestDepth)) {
      return refused(tooDeep)
    }
    // The Quick start's JSON-RPC body sent to a path below the agent would be read as params with
    // no `message` ("message is required"), which points nowhere near the mistake.
    if (isJsonRpcEnvelope(params)) {
      return refused({
        kind: 'invalid-request',
        message: `${parts.method} ${parts.subPath} is the HTTP+JSON binding, and this body is a JSON-RPC request: POST it to the agent's own address (not a path below it), or send its params alone here.`,
      })
    }
  }
  const signing = signingQueryViolations(parts.query)
  if (signing.length > 0) {
    return { kind: 'invalid', binding: 'HTTP+JSON', failure: invalidParams(signing, '') }
  }
  if (found.version === '1.0') {
    const failure = restParamsFailure(found, parts, params)
    if (failure) return { kind: 'invalid', binding: 'HTTP+JSON', failure }
  }
  return {
    kind: 'call',
    call: {
      agentId: parts.agentId,
      ...found,
      params,
      stream: operations[found.operation].streaming,
      binding: 'HTTP+JSON',
      restPath: parts.query
        ? `${encodedPath(parts.subPath)}?${parts.query}`
        : encodedPath(parts.subPath),
      ...(parts.body ? { body: parts.body } : {}),
      ...(parts.a2aVersion === undefined ? {} : { declaredVersion: parts.a2aVersion }),
    },
  }
}

/**
 * Reads an A2A request to `/agents/{agentId}...`: the card, a JSON-RPC call
 * (POST to the agent itself) or an HTTP+JSON call (a path below it).
 *
 * @example
 * parseA2ARequest({ agentId: 'weather', method: 'POST', subPath: '/message:send', body })
 */
export const parseA2ARequest = (parts: HttpRequestParts): A2ARequest => {
  if (parts.subPath.split('/').some((segment) => segment === '.' || segment === '..')) {
    return {
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: { kind: 'invalid-request', message: 'Path segments "." and ".." are not allowed.' },
    }
  }
  if (parts.subPath === cardPath && parts.method === 'GET') {
    if (parts.body) {
      return {
        kind: 'invalid',
        binding: 'HTTP+JSON',
        failure: bodyNotTaken(parts.method, 'the card request'),
      }
    }
    return { kind: 'card', agentId: parts.agentId }
  }
  if (parts.subPath === '' || parts.subPath === '/') {
    if (parts.method === 'POST') return parseJsonRpc(parts.agentId, parts.body, parts.a2aVersion)
    return {
      kind: 'invalid',
      binding: 'HTTP+JSON',
      failure: {
        kind: 'unsupported-operation',
        message: `${parts.method} on the agent itself is not an A2A operation; JSON-RPC calls are POSTed here.`,
      },
    }
  }
  return parseRest(parts)
}

/** The binding a request to `/agents/{agentId}{subPath}` speaks. */
export const bindingOf = (method: string, subPath: string): Binding =>
  method === 'POST' && (subPath === '' || subPath === '/') ? 'JSONRPC' : 'HTTP+JSON'
