import { unsupportedContentEncodingMessage } from './http/content-encoding.ts'
import { withQueryRedacted } from './http/url-redaction.ts'
import { withThousands } from './thousands.ts'

/**
 * Domain errors. Each carries what a caller needs to act on it; how it becomes an
 * HTTP or JSON-RPC answer is read from one table, `errorAnswers`, by both
 * renderers (lib/http/problem.ts, lib/a2a/errors.ts).
 */
export abstract class SwitchboardError extends Error {
  /** Stable, kebab-case identifier; the problem+json `type` ends with it. */
  abstract readonly code: ErrorCode
  /**
   * A message is said to the caller and logged, so a URL in it keeps its query's names but not
   * their values, where a backend may take its key (`withQueryRedacted`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message === undefined ? message : withQueryRedacted(message), options)
  }
  /** Members the problem+json answer carries beside `detail` (none unless a class says). */
  get problemExtensions(): Record<string, unknown> {
    return {}
  }
  /**
   * What a change that stopped part-way made that stays: the record before it and as the
   * change left it. auditedChange (lib/admin/audit.ts) records it as the change's entry
   * rather than withdraw the entry. Absent, as for most errors: the change made nothing.
   */
  made?: { before: unknown; after: unknown; action?: string }
}

/** The A2A failure kinds (lib/a2a/errors.ts) a domain error may stand for. */
export type ErrorA2AKind =
  | 'agent-not-found'
  | 'unauthenticated'
  | 'forbidden'
  | 'backend-unavailable'
  | 'backend-timeout'
  | 'payload-too-large'
  | 'search-unavailable'
  | 'invalid-request'
  | 'invalid-params'
  | 'method-not-found'
  | 'service-unavailable'
  | 'internal'

export interface ErrorAnswer {
  /** The HTTP status of a problem+json answer. */
  status: number
  /** The problem+json `title`. */
  title: string
  /** The A2A failure it is answered with on A2A routes. */
  a2a: ErrorA2AKind
  /** Said instead of the error's message, when that message is for the log only. */
  publicMessage?: string
  /** The answer's `Retry-After` (seconds), for a refusal that a retry soon may pass. */
  retryAfterSeconds?: number
  /**
   * A 5xx that is an expected outcome, not a fault (two changes meeting), is logged as a warning
   * by `problemDetails`, where every other 5xx is logged as an error, for someone to look into.
   */
  logLevel?: 'warn'
}

/**
 * How each domain error is answered, keyed by its `code`: the one place its
 * HTTP status, problem title and A2A failure kind are written.
 */
export const errorAnswers = {
  'agent-not-found': { status: 404, title: 'Agent not found', a2a: 'agent-not-found' },
  'agent-already-registered': {
    status: 409,
    title: 'Agent already registered',
    a2a: 'invalid-request',
  },
  'agent-changed': { status: 409, title: 'Agent changed meanwhile', a2a: 'invalid-request' },
  'precondition-failed': { status: 412, title: 'Precondition failed', a2a: 'invalid-request' },
  'agent-being-deleted': { status: 409, title: 'Agent being deleted', a2a: 'invalid-request' },
  'agent-delete-unfinished': {
    status: 503,
    title: 'Agent delete unfinished',
    a2a: 'backend-unavailable',
  },
  'agent-registered-again': {
    status: 409,
    title: 'Agent registered again',
    a2a: 'invalid-request',
  },
  'agent-card-unreachable': {
    status: 422,
    title: 'Agent card unreachable',
    a2a: 'invalid-request',
  },
  'invalid-agent-card': { status: 422, title: 'Invalid agent card', a2a: 'invalid-request' },
  'invalid-card-signature': {
    status: 422,
    title: 'Agent card signature invalid',
    a2a: 'invalid-request',
  },
  'backend-url-rejected': { status: 422, title: 'Backend URL rejected', a2a: 'invalid-request' },
  'secret-rejected': { status: 422, title: 'Secret rejected', a2a: 'invalid-request' },
  'backend-unavailable': { status: 502, title: 'Backend unavailable', a2a: 'backend-unavailable' },
  'backend-credentials': {
    status: 502,
    title: 'Backend credentials unavailable',
    a2a: 'backend-unavailable',
    publicMessage: 'The gateway could not get credentials for this agent.',
  },
  'backend-timeout': { status: 504, title: 'Backend timeout', a2a: 'backend-timeout' },
  'search-unavailable': { status: 503, title: 'Search unavailable', a2a: 'search-unavailable' },
  'text-too-long': { status: 422, title: 'Text too long to embed', a2a: 'invalid-params' },
  'method-not-found': { status: 404, title: 'Method not found', a2a: 'method-not-found' },
  'payload-too-large': { status: 413, title: 'Payload too large', a2a: 'payload-too-large' },
  'token-expired': { status: 401, title: 'Token expired', a2a: 'unauthenticated' },
  'token-revoked': { status: 401, title: 'Token revoked', a2a: 'unauthenticated' },
  unauthenticated: { status: 401, title: 'Unauthorized', a2a: 'unauthenticated' },
  forbidden: { status: 403, title: 'Forbidden', a2a: 'forbidden' },
  'invalid-json': { status: 400, title: 'Invalid JSON body', a2a: 'invalid-request' },
  'content-encoding-not-supported': {
    status: 415,
    title: 'Unsupported Content-Encoding',
    a2a: 'invalid-request',
  },
  'permission-not-found': { status: 404, title: 'Permission not found', a2a: 'invalid-request' },
  'dot-segment': { status: 400, title: 'Bad request', a2a: 'invalid-request' },
  'missing-path-param': { status: 400, title: 'Bad request', a2a: 'invalid-request' },
  'url-too-long': { status: 400, title: 'Bad request', a2a: 'invalid-params' },
  'too-few-examples': {
    status: 422,
    title: 'Too few examples to calibrate',
    a2a: 'invalid-request',
  },
  'stream-withheld': {
    status: 502,
    title: 'Stream withheld',
    a2a: 'internal',
    publicMessage: 'The gateway withheld the rest of this stream.',
  },
  'audit-unavailable': {
    status: 503,
    title: 'Audit trail unavailable',
    a2a: 'backend-unavailable',
    publicMessage: 'The change was not made: its audit entry could not be written. Retry shortly.',
    retryAfterSeconds: 5,
  },
  'scope-not-found': { status: 404, title: 'Scope not found', a2a: 'invalid-request' },
  'unknown-scope': { status: 422, title: 'Unknown scope', a2a: 'invalid-request' },
  'unregistered-agent': { status: 422, title: 'Unregistered agent', a2a: 'invalid-request' },
  'scope-in-use': { status: 409, title: 'Scope in use', a2a: 'invalid-request' },
  'admin-scope': { status: 409, title: 'Admin scope kept', a2a: 'invalid-request' },
  'scope-limit': { status: 409, title: 'Too many scopes', a2a: 'invalid-request' },
  // No Retry-After: the change is made, so the same request again would revoke nothing.
  'tokens-not-revoked': {
    status: 503,
    title: 'Tokens not revoked',
    a2a: 'backend-unavailable',
    logLevel: 'warn',
  },
  'client-delete-unfinished': {
    status: 503,
    title: 'Client delete unfinished',
    a2a: 'backend-unavailable',
    retryAfterSeconds: 2,
    logLevel: 'warn',
  },
  'rotation-unfinished': {
    status: 503,
    title: 'Rotation unfinished',
    a2a: 'backend-unavailable',
    retryAfterSeconds: 2,
    logLevel: 'warn',
  },
  'idempotency-key-spent': {
    status: 409,
    title: 'Idempotency-Key spent',
    a2a: 'invalid-request',
  },
  'identity-provider-limit': {
    status: 409,
    title: 'Identity provider quota reached',
    a2a: 'invalid-request',
  },
  'identity-provider-busy': {
    status: 503,
    title: 'Identity provider busy',
    a2a: 'backend-unavailable',
    retryAfterSeconds: 2,
    logLevel: 'warn',
  },
  'client-not-found': { status: 404, title: 'Client not found', a2a: 'invalid-request' },
  'managed-client': { status: 409, title: 'Client managed by Terraform', a2a: 'invalid-request' },
  // An AWS service timed out, throttled or failed, after the SDK's own retries: a moment may do.
  'dependency-unavailable': {
    status: 503,
    title: 'Service unavailable',
    a2a: 'service-unavailable',
    publicMessage:
      'A service the gateway depends on did not answer in time or is overloaded; retry in a moment.',
    retryAfterSeconds: 1,
  },
  // The issuer's JWKS did not answer, or not with keys: no token can be checked, good or bad.
  'key-set-unavailable': {
    status: 503,
    title: 'Token keys unavailable',
    a2a: 'service-unavailable',
    publicMessage:
      "The token issuer's signing keys could not be fetched, so no token can be checked; retry in a moment.",
    retryAfterSeconds: 5,
  },
  // The other change takes a few Cognito calls: a second or two.
  'change-in-progress': {
    status: 503,
    title: 'Change in progress',
    a2a: 'backend-unavailable',
    retryAfterSeconds: 2,
    logLevel: 'warn',
  },
} as const satisfies Record<string, ErrorAnswer>

export type ErrorCode = keyof typeof errorAnswers

/** How a domain error is answered (its row in `errorAnswers`). */
export const errorAnswerOf = (error: SwitchboardError): ErrorAnswer => errorAnswers[error.code]

/** When a retry of what `error` refused may pass, in seconds (the answer's `Retry-After`). */
export const retryAfterOf = (error: unknown): number | undefined =>
  error instanceof SwitchboardError ? errorAnswerOf(error).retryAfterSeconds : undefined

export class AgentNotFoundError extends SwitchboardError {
  readonly code = 'agent-not-found'
  readonly agentId: string
  /** `why`, when known, says how it came to be gone (another request deleted it meanwhile). */
  constructor(agentId: string, why?: string) {
    super(`No agent '${agentId}' is registered with this gateway${why ? `: ${why}` : ''}.`)
    this.name = 'AgentNotFoundError'
    this.agentId = agentId
  }
}

/**
 * A registered agent an operator deactivated: its calls stop as an unknown agent's do (404), and
 * a caller granted it is told why, to ask for it rather than look for a typo.
 */
export class AgentInactiveError extends AgentNotFoundError {
  constructor(agentId: string) {
    super(agentId)
    this.message = `Agent '${agentId}' is deactivated: it takes no calls until an operator activates it.`
    this.name = 'AgentInactiveError'
  }
}

export class AgentAlreadyRegisteredError extends SwitchboardError {
  readonly code = 'agent-already-registered'
  readonly agentId: string
  constructor(agentId: string) {
    super(
      `An agent '${agentId}' is already registered; change it with PUT /admin/agents/${agentId}.`,
    )
    this.name = 'AgentAlreadyRegisteredError'
    this.agentId = agentId
  }
}

/** Another change to the agent was written between reading it and writing this one. */
export class AgentChangedError extends SwitchboardError {
  readonly code = 'agent-changed'
  readonly agentId: string
  /** The agent as read when the write was refused, when it was: what a 412 names as current. */
  readonly current: { createdAt: string; updatedAt: string; status: string } | undefined
  constructor(
    agentId: string,
    current?: { createdAt: string; updatedAt: string; status: string } | undefined,
  ) {
    super(`Agent '${agentId}' was changed by another request meanwhile; read it again and retry.`)
    this.name = 'AgentChangedError'
    this.agentId = agentId
    this.current = current
  }
}

/**
 * A change sent with `If-Match` (RFC 9110 §13.1.1) naming none of the resource's current version:
 * another change came first, and this one was not made. `currentEtag` is the version it is at
 * now, for the client to read it again and decide.
 */
export class PreconditionFailedError extends SwitchboardError {
  readonly code = 'precondition-failed'
  /** The resource's tag now; undefined when it is gone (If-Match named a version deleted since). */
  readonly currentEtag: string | undefined
  constructor(message: string, currentEtag?: string) {
    super(message)
    this.name = 'PreconditionFailedError'
    this.currentEtag = currentEtag
  }
  override get problemExtensions() {
    return this.currentEtag === undefined ? {} : { currentEtag: this.currentEtag }
  }
}

/**
 * An agent whose delete has not finished (status `deleting`: under way, or stopped half-way):
 * it is no longer served, and only a DELETE, which finishes the job, may change it.
 */
export class AgentBeingDeletedError extends SwitchboardError {
  readonly code = 'agent-being-deleted'
  readonly agentId: string
  constructor(agentId: string) {
    super(
      `Agent '${agentId}' is being deleted: it is no longer served, and its delete has not finished (it may still be running, or have stopped half-way). Run DELETE /admin/agents/${agentId} again to finish it; the id can then be registered again.`,
    )
    this.name = 'AgentBeingDeletedError'
    this.agentId = agentId
  }
}

/**
 * A delete that failed after the agent was marked `deleting`: what it did stays (the agent is
 * no longer served), and a DELETE run again finishes it. `cause` is what failed, for the log.
 */
export class AgentDeleteUnfinishedError extends SwitchboardError {
  readonly code = 'agent-delete-unfinished'
  readonly agentId: string
  /** The step that failed, as an operator would name it: "removing its search vectors". */
  readonly step: string
  constructor(agentId: string, step: string, options: { cause: unknown }) {
    super(
      `Agent '${agentId}' is only partly deleted: ${step} failed. It is no longer served; run DELETE /admin/agents/${agentId} again to finish deleting it.`,
      options,
    )
    this.name = 'AgentDeleteUnfinishedError'
    this.agentId = agentId
    this.step = step
  }
}

/**
 * A delete found the id held by a newer registration than the one it set out to delete (that
 * one was deleted by another request, and the id registered again meanwhile): it stopped,
 * leaving the new agent alone.
 */
export class AgentRegisteredAgainError extends SwitchboardError {
  readonly code = 'agent-registered-again'
  readonly agentId: string
  /** When the registration now holding the id was made. */
  readonly createdAt: string
  constructor(agentId: string, createdAt: string) {
    super(
      `The agent '${agentId}' this delete was removing was deleted by another request, and '${agentId}' was registered again at ${createdAt}; this delete stopped and left the new agent alone. To delete the new one, DELETE /admin/agents/${agentId} again.`,
    )
    this.name = 'AgentRegisteredAgainError'
    this.agentId = agentId
    this.createdAt = createdAt
  }
  override get problemExtensions() {
    return { createdAt: this.createdAt }
  }
}

export class AgentCardUnreachableError extends SwitchboardError {
  readonly code = 'agent-card-unreachable'
  readonly cardUrl: string
  constructor(cardUrl: string, reason: string) {
    super(`The agent card at ${cardUrl} could not be fetched: ${reason}.`)
    this.name = 'AgentCardUnreachableError'
    // Logged with the error whole: a key in its query stays out (the message's is, by the base).
    this.cardUrl = withQueryRedacted(cardUrl)
  }
}

export class InvalidAgentCardError extends SwitchboardError {
  readonly code = 'invalid-agent-card'
  readonly cardUrl: string
  readonly problems: string[]
  constructor(cardUrl: string, problems: string[]) {
    super(`The agent card at ${cardUrl} is not a valid A2A agent card: ${problems.join('; ')}.`)
    this.name = 'InvalidAgentCardError'
    this.cardUrl = withQueryRedacted(cardUrl)
    this.problems = problems
  }
  override get problemExtensions() {
    return { problems: this.problems }
  }
}

/** A signature on an agent's card that does not verify (A2A 1.0 card signatures). */
export class CardSignatureInvalidError extends SwitchboardError {
  readonly code = 'invalid-card-signature'
  readonly cardUrl: string
  readonly problems: string[]
  constructor(cardUrl: string, failures: { index: number; reason: string }[]) {
    // At most `maxCardSignatures` (10) of them: a card's 80,000 signatures of `{}` were refused
    // with a sentence each, twice (detail and problems), 19 MB of 422 answer.
    const problems = failures.map(({ index, reason }) => `signatures[${index}]: ${reason}`)
    super(
      `The agent card at ${cardUrl} carries signatures that do not verify: ${problems.join('; ')}.`,
    )
    this.name = 'CardSignatureInvalidError'
    this.cardUrl = withQueryRedacted(cardUrl)
    this.problems = problems
  }
  override get problemExtensions() {
    return { problems: this.problems }
  }
}

export class BackendUrlRejectedError extends SwitchboardError {
  readonly code = 'backend-url-rejected'
  readonly field: string
  /**
   * The refusal in words for a caller who is no operator (a push webhook's setter): what a host
   * resolves to, or whether it resolves, is the gateway's network's to know, not the caller's.
   */
  readonly callerMessage: string
  constructor(field: string, reason: string, callerReason = reason) {
    super(`${field} is not allowed: ${reason}.`)
    this.name = 'BackendUrlRejectedError'
    this.field = field
    this.callerMessage = `${field} is not allowed: ${callerReason}.`
  }
}

/**
 * A JSON-RPC method that is neither an A2A method nor a skill of the agent (or a skill of an agent
 * that does not speak A2A 1.0, which skill calls need): refused before any call, JSON-RPC -32601.
 */
export class SkillNotFoundError extends SwitchboardError {
  readonly code = 'method-not-found'
  constructor(message: string) {
    super(message)
    this.name = 'SkillNotFoundError'
  }
}

export class BackendUnavailableError extends SwitchboardError {
  readonly code = 'backend-unavailable'
  readonly agentId: string
  /** The HTTP status the agent's address answered, when an answer was refused (its 401 or 403). */
  readonly agentStatus: number | undefined
  constructor(
    agentId: string,
    reason: string,
    options?: ErrorOptions & { agentStatus?: number | undefined },
  ) {
    super(`Agent '${agentId}' did not answer: ${reason}.`, options)
    this.name = 'BackendUnavailableError'
    this.agentId = agentId
    this.agentStatus = options?.agentStatus
  }
}

/**
 * The embedder (Bedrock on AWS) did not answer, so nothing can be found by meaning for now; or,
 * `lasting`, it is set up wrong, which only the gateway's operator can mend, so the caller is not
 * told to retry.
 */
export class SearchUnavailableError extends SwitchboardError {
  readonly code = 'search-unavailable'
  /** `cause`, the embedder's own error, is for the log: the caller is told `reason` alone. */
  constructor(reason: string, options: { lasting?: boolean; cause?: unknown } = {}) {
    super(
      options.lasting
        ? `Finding agents by meaning is unavailable: the gateway's embedder is not set up right (${reason}). A retry will fail the same way until the gateway's operator mends it.`
        : `Finding agents by meaning is unavailable for now (the embedder failed: ${reason}); retry shortly.`,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'SearchUnavailableError'
  }
}

/**
 * The embedding model refused the caller's text (a `/search` query, the part of
 * a message `/route` embeds) as longer than it takes: no retry will help, a
 * shorter text may. The reason names no server address and no key.
 */
export class TextTooLongError extends SwitchboardError {
  readonly code = 'text-too-long'
  constructor(reason: string) {
    super(`The embedding model cannot take this text: ${reason}. Send a shorter one.`)
    this.name = 'TextTooLongError'
  }
}

/**
 * An admin change's audit entry could not be written before the change, so the
 * change was not made (lib/admin/audit.ts). The cause is for the log only.
 */
export class AuditUnavailableError extends SwitchboardError {
  readonly code = 'audit-unavailable'
  constructor(reason: string) {
    super(`The audit entry could not be written (${reason}); the change was not made.`)
    this.name = 'AuditUnavailableError'
  }
}

/**
 * The gateway ended a stream it was relaying, partway, for the reason given (an event naming a
 * task that is not the caller's; an event's task that could not be recorded as the caller's).
 * What the stream's relay is destroyed with, so that its end reads as the gateway's, never as
 * the caller going away; the caller is told by the stream's own error event.
 */
export class StreamWithheldError extends SwitchboardError {
  readonly code = 'stream-withheld'
  /**
   * Whether the agent's answer was at fault (an event naming another caller's task), not the
   * gateway (its database failing to record the task): only then is the call the agent's failure.
   */
  readonly agentsFault: boolean
  constructor(agentId: string, reason: string, options: { agentsFault: boolean }) {
    super(`The stream from agent '${agentId}' was withheld: ${reason}.`)
    this.name = 'StreamWithheldError'
    this.agentsFault = options.agentsFault
  }
}

/**
 * The gateway ended a stream at the time its function has (`endsAt`): on Lambda one still
 * open when the function's 15 minutes run out is killed with it, and its call goes unlogged and
 * uncounted. No failure of the agent's (a long task streams as long as it works); the caller is
 * told by the stream's error event, and may resubscribe to the task.
 */
export class StreamTimeLimitError extends Error {
  constructor(agentId: string) {
    super(`the stream from agent '${agentId}' reached the gateway's time limit for a stream`)
    this.name = 'StreamTimeLimitError'
  }
}

export class BackendTimeoutError extends SwitchboardError {
  readonly code = 'backend-timeout'
  readonly agentId: string
  constructor(agentId: string, timeoutMs: number) {
    super(`Agent '${agentId}' did not answer within ${timeoutMs} ms.`)
    this.name = 'BackendTimeoutError'
    this.agentId = agentId
  }
}

/**
 * An AWS service the gateway needs for a call (DynamoDB, KMS, Secrets Manager, Cognito,
 * Bedrock, S3 Vectors) timed out, throttled or failed on its side, after the SDK's retries.
 * The caller is told to retry shortly, not that the gateway failed; the log keeps the cause.
 */
export class DependencyUnavailableError extends SwitchboardError {
  readonly code = 'dependency-unavailable'
  constructor(options: { cause: unknown }) {
    const { name, message } = options.cause as { name?: unknown; message?: unknown }
    super(`An AWS service failed: ${String(name)}: ${String(message)}`, options)
    this.name = 'DependencyUnavailableError'
  }
}

/**
 * The token issuer's key set (JWKS) could not be fetched: its host refused or timed out, it
 * answered other than 200, or not with a key set. Every token, good or bad, would be refused,
 * so it is the service failing (503), never a 401 that reads as bad credentials. The message,
 * for the log, names the URL and what went wrong.
 */
export class KeySetUnavailableError extends SwitchboardError {
  readonly code = 'key-set-unavailable'
  constructor(jwksUrl: string, options: { cause: unknown }) {
    const { message, cause } = options.cause as { message?: unknown; cause?: { code?: unknown } }
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : ''
    super(`The key set at ${jwksUrl} could not be fetched: ${String(message)}${code}`, options)
    this.name = 'KeySetUnavailableError'
  }
}

/**
 * A value that would become a URL path segment and is `.` or `..`: a URL would
 * drop it or climb a level, naming another path (another operation) at the agent.
 */
export class DotSegmentError extends SwitchboardError {
  readonly code = 'dot-segment'
  readonly field: string
  constructor(field: string, value: string) {
    super(`params.${field} may not be '${value}': it would name another path at the agent.`)
    this.name = 'DotSegmentError'
    this.field = field
  }
}

/** A param a translated call's path is built from is missing or no string: no path to send. */
export class MissingPathParamError extends SwitchboardError {
  readonly code = 'missing-path-param'
  readonly field: string
  constructor(field: string) {
    super(`params.${field} is needed as a non-empty string: it names the path at the agent.`)
    this.name = 'MissingPathParamError'
    this.field = field
  }
}

/**
 * A request the gateway wrote anew for the agent whose URL would pass what servers take: a call
 * translated to HTTP+JSON carries its params in the URL (`withinRequestBound`, `maxUrlBytes`).
 */
export class UrlTooLongError extends SwitchboardError {
  readonly code = 'url-too-long'
  constructor(limitBytes: number, how: string, bytes: number) {
    super(
      `The request, ${how}, puts its params in a URL of ${withThousands(bytes)} bytes, longer than the ${withThousands(limitBytes)}-byte limit a URL to an agent is held to; send shorter params.`,
    )
    this.name = 'UrlTooLongError'
  }
}

export class PayloadTooLargeError extends SwitchboardError {
  readonly code = 'payload-too-large'
  /**
   * `grown`, for a request the gateway wrote anew for the agent (translated to its version or
   * binding, a skill call made a SendMessage): what was done to it, its size once built (none
   * when it was refused before it was built, since it could pass the limit), and the bytes the
   * gateway added of its own, which it was allowed beyond the limit (`withinRequestBound`).
   */
  constructor(limitBytes: number, grown?: { how: string; bytes?: number; added?: number }) {
    const added = grown?.added ? ` and the ${grown.added} bytes the gateway added to it` : ''
    super(
      grown === undefined
        ? `The request body is larger than the ${limitBytes}-byte limit.`
        : `The request, ${grown.how}, ${grown.bytes === undefined ? 'could be' : `is ${grown.bytes} bytes,`} larger than the ${limitBytes}-byte limit a request is held to${added}; send a smaller one.`,
    )
    this.name = 'PayloadTooLargeError'
  }
}

/**
 * No valid token: none was sent (`tokenGiven: false`), or the one sent was
 * refused. A 401 whose `WWW-Authenticate` challenge names the gateway's
 * protected-resource metadata (lib/auth/resource-metadata.ts).
 */
export class UnauthenticatedError extends SwitchboardError {
  readonly code: ErrorCode = 'unauthenticated'
  readonly tokenGiven: boolean
  constructor(tokenGiven: boolean, message?: string) {
    super(
      message ??
        (tokenGiven
          ? 'Your access token was refused (malformed, expired, or not issued for this gateway); get a new token from the token endpoint and retry.'
          : 'This needs an access token: send Authorization: Bearer <token> with a token from the token endpoint.'),
    )
    this.name = 'UnauthenticatedError'
    this.tokenGiven = tokenGiven
  }
}

/**
 * The call's token has expired. API Gateway may still hold the authorizer's
 * answer for it (cached per token), so the handlers check `exp` themselves.
 */
export class TokenExpiredError extends UnauthenticatedError {
  override readonly code = 'token-expired'
  constructor() {
    super(true, 'Your access token has expired; get a new token and retry.')
    this.name = 'TokenExpiredError'
  }
}

/**
 * The call's token was issued before its client's tokens were revoked (the client deleted, a
 * scope taken from it, or its tokens revoked outright): lib/auth/token-revocations.ts.
 */
export class TokenRevokedError extends UnauthenticatedError {
  override readonly code = 'token-revoked'
  constructor() {
    super(
      true,
      "Your access token was revoked: its client's access changed after it was issued. Get a new token and retry.",
    )
    this.name = 'TokenRevokedError'
  }
}

/**
 * The gateway's role may not see this secret at all. On AWS its IAM policy lets
 * it see only secrets under the backend prefix or tagged for an agent, so such a
 * secret cannot belong to any agent.
 */
export class SecretAccessDeniedError extends Error {
  constructor(arn: string) {
    super(`the gateway may not read secret ${arn}`)
    this.name = 'SecretAccessDeniedError'
  }
}

/**
 * A secret ARN in an agent config that the agent may not use: no such secret
 * exists, or it belongs to another agent.
 */
export class SecretRejectedError extends SwitchboardError {
  readonly code = 'secret-rejected'
  readonly field: string
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`)
    this.name = 'SecretRejectedError'
    this.field = field
  }
}

/** A request body that does not parse as JSON, whatever Content-Type it was sent with. */
export class InvalidJsonBodyError extends SwitchboardError {
  readonly code = 'invalid-json'
  constructor(parserMessage: string) {
    super(`The request body must be a JSON document and is not: ${parserMessage}.`)
    this.name = 'InvalidJsonBodyError'
  }
}

/** A request body sent compressed (`Content-Encoding: gzip`), which nothing on the way decodes. */
export class UnsupportedContentEncodingError extends SwitchboardError {
  readonly code = 'content-encoding-not-supported'
  constructor(coding: string) {
    super(unsupportedContentEncodingMessage(coding))
    this.name = 'UnsupportedContentEncodingError'
  }
}

export class ForbiddenError extends SwitchboardError {
  readonly code = 'forbidden'
  constructor(message: string) {
    super(message)
    this.name = 'ForbiddenError'
  }
}

export class PermissionNotFoundError extends SwitchboardError {
  readonly code = 'permission-not-found'
  readonly scope: string
  constructor(scope: string) {
    super(
      `No permission is defined for scope '${scope}': it grants nothing. PUT /admin/permissions/${scope} defines one.`,
    )
    this.name = 'PermissionNotFoundError'
    this.scope = scope
  }
}

/**
 * The credentials for a backend could not be had: the backend cannot be
 * called. The reason may name secrets and token endpoints, so callers are told
 * only that (`publicMessage` in `errorAnswers`).
 */
export class BackendCredentialsError extends SwitchboardError {
  readonly code = 'backend-credentials'
  /** The gateway's own credentials failed (its role's, to sign for an AWS agent), not the agent's. */
  readonly gatewaysOwn: boolean
  constructor(message: string, options: { gatewaysOwn?: boolean } = {}) {
    super(message)
    this.name = 'BackendCredentialsError'
    this.gatewaysOwn = options.gatewaysOwn ?? false
  }
}

/** The catalog has too few skill examples (or agents) for `/route` to be calibrated from. */
export class TooFewExamplesError extends SwitchboardError {
  readonly code = 'too-few-examples'
  constructor(message: string) {
    super(message)
    this.name = 'TooFewExamplesError'
  }
}

export class ScopeNotFoundError extends SwitchboardError {
  readonly code = 'scope-not-found'
  readonly scope: string
  constructor(scope: string) {
    super(`No scope '${scope}' is defined; define it with PUT /admin/scopes/${scope}.`)
    this.name = 'ScopeNotFoundError'
    this.scope = scope
  }
}

/** A permission or a client naming scopes the identity provider does not define. */
export class UnknownScopeError extends SwitchboardError {
  readonly code = 'unknown-scope'
  readonly scopes: string[]
  constructor(scopes: string[]) {
    const named = scopes.map((scope) => `'${scope}'`).join(', ')
    super(
      `No scope ${named} is defined, so no client could get it in a token; define it first with PUT /admin/scopes/{scope}.`,
    )
    this.name = 'UnknownScopeError'
    this.scopes = scopes
  }
  override get problemExtensions() {
    return { scopes: this.scopes }
  }
}

/**
 * A permission naming agents no one registered: stored, it would hand a typo's grant to whoever
 * registers that id later, where a deleted agent's grants go with it so that nothing is inherited.
 */
export class UnregisteredAgentError extends SwitchboardError {
  readonly code = 'unregistered-agent'
  readonly agentIds: string[]
  constructor(agentIds: string[]) {
    const named = agentIds.map((agentId) => `'${agentId}'`).join(', ')
    super(
      agentIds.length === 1
        ? `No agent ${named} is registered with this gateway (or it is being deleted); register it first with POST /admin/register, then grant it.`
        : `No agents ${named} are registered with this gateway (or they are being deleted); register them first with POST /admin/register, then grant them.`,
    )
    this.name = 'UnregisteredAgentError'
    this.agentIds = agentIds
  }
  override get problemExtensions() {
    // `errors` as a body's field problems are given, so a form marks its agents field.
    const rule = `${this.agentIds.map((agentId) => `'${agentId}'`).join(', ')} ${this.agentIds.length === 1 ? 'is' : 'are'} not registered`
    return { agents: this.agentIds, errors: [{ field: 'agents', rule }] }
  }
}

/** A scope still named by a permission or held by clients: deleting it would strand them. */
export class ScopeInUseError extends SwitchboardError {
  readonly code = 'scope-in-use'
  readonly scope: string
  readonly permissions: string[]
  readonly clients: string[]
  constructor(scope: string, users: { permissions: string[]; clients: string[] }) {
    const named = [
      ...(users.permissions.length > 0 ? [`the permission '${scope}'`] : []),
      ...(users.clients.length > 0 ? [`the clients '${users.clients.join("', '")}'`] : []),
    ]
    const steps = [
      ...(users.permissions.length > 0
        ? [`delete the permission (DELETE /admin/permissions/${scope})`]
        : []),
      ...(users.clients.length > 0
        ? ['take the scope from the clients (PATCH /admin/clients/{clientId})']
        : []),
    ]
    super(`Scope '${scope}' is still used by ${named.join(' and ')}; ${steps.join(' and ')} first.`)
    this.name = 'ScopeInUseError'
    this.scope = scope
    this.permissions = users.permissions
    this.clients = users.clients
  }
  override get problemExtensions() {
    return { permissions: this.permissions, clients: this.clients }
  }
}

/**
 * Another change that must not interleave with this one (lib/dynamo-lease.ts)
 * held its lease for longer than this one would wait: nothing was changed.
 */
export class ChangeInProgressError extends SwitchboardError {
  readonly code = 'change-in-progress'
  constructor(what: string) {
    super(
      `Another change to ${what} is being made at the same moment, and this one waited for it too long; nothing was changed. Retry shortly.`,
    )
    this.name = 'ChangeInProgressError'
  }
}

/** A resource server holds at most `max` scopes (Cognito's quota; the local identity keeps it too). */
export class ScopeLimitError extends SwitchboardError {
  readonly code = 'scope-limit'
  constructor(scope: string, max: number) {
    super(
      `Scope '${scope}' would be the ${max + 1}st: a resource server holds at most ${max} (Cognito's limit); delete one no longer used first.`,
    )
    this.name = 'ScopeLimitError'
  }
}

/** Cognito refused a change as past one of the user pool's quotas (app clients, say). */
export class IdentityProviderLimitError extends SwitchboardError {
  readonly code = 'identity-provider-limit'
  constructor(reason: string) {
    super(`Cognito refused it as past one of the user pool's quotas (${reason}).`)
    this.name = 'IdentityProviderLimitError'
  }
}

/** Cognito throttled a request (its quotas are per pool and operation): nothing was changed. */
export class IdentityProviderBusyError extends SwitchboardError {
  readonly code = 'identity-provider-busy'
  constructor(reason: string) {
    super(`Cognito is throttling the admin API (${reason}); nothing was changed. Retry shortly.`)
    this.name = 'IdentityProviderBusyError'
  }
}

/** The admin scope guards the admin API itself: it cannot be deleted through it. */
export class AdminScopeError extends SwitchboardError {
  readonly code = 'admin-scope'
  readonly scope: string
  constructor(scope: string) {
    super(`Scope '${scope}' is the admin scope, which the admin API needs; it cannot be deleted.`)
    this.name = 'AdminScopeError'
    this.scope = scope
  }
}

export class ClientNotFoundError extends SwitchboardError {
  readonly code = 'client-not-found'
  readonly clientId: string
  constructor(clientId: string) {
    super(`No client '${clientId}' exists.`)
    this.name = 'ClientNotFoundError'
    this.clientId = clientId
  }
}

/**
 * A rotation added the new secret but could not delete the old. `held` says what the client
 * holds now, as read after: its old secret alone (the new one taken back), both (the new one, no
 * one was shown, could not be taken back), or unknown (they could not be read).
 */
export class RotationUnfinishedError extends SwitchboardError {
  readonly code = 'rotation-unfinished'
  readonly held: 'old' | 'both' | 'unknown'
  constructor(
    clientId: string,
    held: RotationUnfinishedError['held'],
    options: { cause: unknown },
  ) {
    const what = {
      old: 'its old secret still works, and no new one was issued',
      both: 'its old secret still works, and a new one no one was shown is held beside it',
      unknown: 'which secrets it holds could not be read',
    }[held]
    super(
      `The rotation of client '${clientId}' did not finish: ${what}. Rotate again, which leaves it one new secret.`,
      options,
    )
    this.name = 'RotationUnfinishedError'
    this.held = held
  }
}

/**
 * A client was changed (a scope taken away) or deleted, but the tokens it was issued before could
 * not all be revoked: the change stays, and the message says how to finish it.
 */
export class TokensNotRevokedError extends SwitchboardError {
  readonly code = 'tokens-not-revoked'
  constructor(clientId: string, change: 'changed' | 'deleted', options: { cause: unknown }) {
    super(
      change === 'changed'
        ? `Client '${clientId}' was changed, but the tokens it was issued before could not be revoked: they keep the scopes taken away until they expire. POST /admin/clients/${clientId}/revoke-tokens to revoke them.`
        : `Client '${clientId}' was deleted, but a token it was issued while the delete ran could not be revoked. DELETE it again to revoke it (the answer is then 404).`,
      options,
    )
    this.name = 'TokensNotRevokedError'
  }
}

/**
 * A client's delete revoked its tokens and then failed at the identity provider for a while
 * (busy, down, no answer in time): the client may still be there, its tokens issued until then
 * refused (new ones work). The audit trail keeps the revocation, which stays.
 */
export class ClientDeleteUnfinishedError extends SwitchboardError {
  readonly code = 'client-delete-unfinished'
  constructor(clientId: string, options: { cause: unknown }) {
    super(
      `Client '${clientId}' may not have been deleted: the identity provider did not answer in time. Its tokens issued until now are refused. DELETE it again to finish (a 404 then means the delete had gone through).`,
      options,
    )
    this.name = 'ClientDeleteUnfinishedError'
  }
}

/** A replayed creation's client is gone: its key can answer nothing more. */
export class IdempotencyKeySpentError extends SwitchboardError {
  readonly code = 'idempotency-key-spent'
  constructor(key: string, clientId: string) {
    super(
      `Idempotency-Key '${key}' created client '${clientId}', which has been deleted since; send a new key to create another.`,
    )
    this.name = 'IdempotencyKeySpentError'
  }
}

/** A client the Terraform stack owns (MANAGED_CLIENT_IDS): the admin API leaves it as it is. */
export class ManagedClientError extends SwitchboardError {
  readonly code = 'managed-client'
  readonly clientId: string
  constructor(clientId: string) {
    super(
      `Client '${clientId}' is managed by Terraform; change it there (terraform/cognito.tf) and apply.`,
    )
    this.name = 'ManagedClientError'
    this.clientId = clientId
  }
}
