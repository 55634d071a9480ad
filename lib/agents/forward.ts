import type { A2ACall } from '../a2a/request.ts'
import {
  type ForwardCallOptions,
  type ForwardedAnswer,
  forwardCall,
} from '../backend/forward-call.ts'
import type { CallOutcome } from '../observability/call-recorder.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

/**
 * Forwards a call to its agent and reports its end to `finished` exactly once:
 * a streamed answer when its relay ends, a whole one at once, a thrown one before
 * the error goes on.
 *
 * @example
 * const answer = await forwardReported(record, call, incoming, options, callRecorder(logger, who))
 */
export const forwardReported = async (
  record: AgentRecord,
  call: A2ACall,
  incoming: { method: string; headers: Record<string, string | undefined>; body: string | null },
  options: Omit<ForwardCallOptions, 'onEnd'>,
  finished: (outcome: CallOutcome) => void,
): Promise<ForwardedAnswer> => {
  const answer = await forwardCall(record, call, incoming, { ...options, onEnd: finished }).catch(
    (error: unknown) => {
      finished({ error })
      throw error
    },
  )
  // A streamed answer is finished by its relay; one already whole, here.
  if (typeof answer.body === 'string') finished({ statusCode: answer.statusCode })
  return answer
}

/** A routed call's answer names the agent that answered (`x-switchboard-agent`). */
export const namingAgent = (answer: ForwardedAnswer, agentId: string): ForwardedAnswer => ({
  ...answer,
  headers: { ...answer.headers, 'x-switchboard-agent': agentId },
})
