import { toJsonRpcError } from '@a2a-js/sdk/errors'
import { fromAgentRestError } from '../a2a/agent-errors.ts'
import { renderA2AFailure } from '../a2a/errors.ts'
import type { A2ACall } from '../a2a/request.ts'
import { skillCallMessage, skillCallOutcome } from '../a2a/skill-call.ts'
import { outcomeOf } from '../a2a/translate.ts'
import { maxUnaryAnswerBytes } from '../http/answer-size.ts'
import { envelopeBytes, withinRequestBound } from '../http/request-bound.ts'
import { parseKeepingInexactNumbers } from '../json-kept-numbers.ts'
import { withoutByteOrderMark } from '../json-object.ts'
import type { AgentRecord } from '../registry/agent-record.ts'
import { bodyTextAsSent } from './body.ts'
import type { BackendCredentials } from './credentials.ts'
import { type ForwardFetch, sendWithCredentials } from './forward.ts'
import { assertSkillOf } from './skill-check.ts'
import { carriedHeadersOf, withKeptNumbers } from './written-anew.ts'

export interface HttpAnswer {
  statusCode: number
  headers: Record<string, string>
  body: string
}

const jsonRpcAnswer = (
  id: A2ACall['jsonRpcId'],
  payload: { result: unknown } | { error: unknown },
  statusCode = 200,
): HttpAnswer => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ jsonrpc: '2.0', id: id ?? null, ...payload }),
})

/**
 * Serves a skill call (a JSON-RPC method naming one of the agent's skills): an
 * unknown skill is -32601 without contacting the backend (`assertSkillOf`, lib/backend/skill-check.ts); otherwise a
 * SendMessage goes to the agent over whichever binding it serves, and its
 * answer, or its own A2A error, comes back as the JSON-RPC result or error.
 */
export const callSkill = async (
  record: AgentRecord,
  call: A2ACall & { skill: NonNullable<A2ACall['skill']> },
  options: {
    extensions?: string | undefined
    timeoutMs: number
    credentials: BackendCredentials
    fetch: ForwardFetch
    caller: string
    /** The W3C trace context the call carries to the agent. */
    traceHeaders?: Record<string, string> | undefined
    /** The most the SendMessage written for the agent may be (MAX_REQUEST_BYTES). */
    maxRequestBytes?: number | undefined
    /** Told why the gateway refused the agent's answer as invalid (-32006). */
    onInvalidAnswer?: ((reason: string) => void) | undefined
  },
): Promise<HttpAnswer> => {
  assertSkillOf(record, call.skill.id)
  // The skill's params, and the caller's id, as the caller wrote them, numbers too.
  const { params: given, jsonRpcId } = withKeptNumbers({ ...call, params: call.skill.params })
  const params = skillCallMessage(call.skill.id, given)
  const viaJsonRpc = record.endpoints.JSONRPC
  const url =
    viaJsonRpc ?? `${(record.endpoints['HTTP+JSON'] as string).replace(/\/$/, '')}/message:send`
  const body = JSON.stringify(
    viaJsonRpc ? { jsonrpc: '2.0', id: 1, method: 'SendMessage', params } : params,
  )
  const response = await sendWithCredentials(
    record,
    // The skill's params, written anew, held to the caller's limit; the SendMessage around them is
    // the gateway's own, so a call within the limit is not refused for it.
    withinRequestBound(
      {
        url,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'a2a-version': '1.0',
          ...(options.extensions ? { 'a2a-extensions': options.extensions } : {}),
        },
        body,
      },
      options,
      {
        how: `made a SendMessage for skill '${call.skill.id}'`,
        from: call.body,
        added: envelopeBytes(body, given),
      },
    ),
    {
      credentials: options.credentials,
      fetch: options.fetch,
      caller: options.caller,
      traceHeaders: options.traceHeaders,
      safeToRepeat: false,
      streaming: false,
      timeoutMs: options.timeoutMs,
      maxRequestBytes: options.maxRequestBytes,
    },
  )
  // Its byte-order mark kept: each parse below passes one over, as a client does, not two.
  const text = await bodyTextAsSent(response.body).catch(() => undefined)
  // The agent's 4xx naming no A2A error refuses the caller's request: answered with its status,
  // as a translated call is (`outcomeOf`), so it is no failure of the agent's. Until the 30th
  // session it was answered under HTTP 200, as -32603 or the agent's error as it came, and counted.
  if (response.statusCode >= 400 && text !== undefined) {
    const binding = viaJsonRpc ? 'JSONRPC' : 'HTTP+JSON'
    const outcome = outcomeOf(binding, '1.0', response.statusCode, text, 'SendMessage')
    if ('error' in outcome && outcome.refusedWith !== undefined) {
      // With its Retry-After, as a call relayed or translated: a 429 naming no wait is retried at once.
      const refusal = jsonRpcAnswer(jsonRpcId, { error: outcome.error }, outcome.refusedWith)
      return { ...refusal, headers: { ...carriedHeadersOf(response.headers), ...refusal.headers } }
    }
  }
  // Numbers kept as the agent wrote them: the result is written anew for the caller.
  let answer: { result?: unknown; error?: unknown } | undefined
  try {
    answer =
      text === undefined
        ? undefined
        : (parseKeepingInexactNumbers(withoutByteOrderMark(text)) as typeof answer)
  } catch {
    answer = undefined
  }
  if (viaJsonRpc && answer?.error) return jsonRpcAnswer(jsonRpcId, { error: answer.error })
  if (!viaJsonRpc && response.statusCode >= 400) {
    const error = fromAgentRestError((answer as { error?: unknown })?.error, {
      statusCode: response.statusCode,
    })
    return jsonRpcAnswer(jsonRpcId, { error: toJsonRpcError(error) })
  }
  const outcome = skillCallOutcome(viaJsonRpc ? answer?.result : answer)
  if ('failure' in outcome) {
    return renderA2AFailure(
      { kind: 'skill-failed', message: outcome.failure },
      'JSONRPC',
      jsonRpcId,
    )
  }
  // The result is written anew in a JSON-RPC answer: measured once built, as a translated answer
  // is; past the bound it is the agent's invalid answer. (Until 7 December 2026 its numbers were
  // written back as doubles too, `1e20` as 21 digits: 2.5 MB of them made an 11 MB answer.)
  const answered = jsonRpcAnswer(jsonRpcId, { result: outcome.result })
  if (Buffer.byteLength(answered.body) <= maxUnaryAnswerBytes) return answered
  const message = `The agent's answer is invalid: the skill's result, written back, passes the ${maxUnaryAnswerBytes} bytes an answer may carry.`
  options.onInvalidAnswer?.(message)
  return jsonRpcAnswer(jsonRpcId, { error: { code: -32006, message } })
}
