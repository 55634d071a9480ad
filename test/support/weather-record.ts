import type { A2ACall } from '../../lib/a2a/request.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'

/** The weather agent's record as forwarding reads it: a 1.0 agent serving one binding at `url`. */
export const weatherRecord = (binding: 'JSONRPC' | 'HTTP+JSON', url: string): AgentRecord =>
  ({
    agentId: 'weather',
    backendUrl: url,
    agentCardUrl: 'http://weather.test/.well-known/agent-card.json',
    auth: { type: 'none' },
    status: 'active',
    card: { name: 'Weather', skills: [] },
    protocolVersion: '1.0',
    endpoints: { [binding]: url },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  }) as unknown as AgentRecord

/**
 * A 1.0 HTTP+JSON SendStreamingMessage of `text` to the weather agent: the call as the gateway
 * reads it, and the request as it came.
 */
export const streamingMessageTo = (text: string) => {
  const body = JSON.stringify({ message: { role: 'ROLE_USER', parts: [{ text }] } })
  const call: A2ACall = {
    agentId: 'weather',
    operation: 'SendStreamingMessage',
    version: '1.0',
    params: JSON.parse(body),
    stream: true,
    binding: 'HTTP+JSON',
    restPath: '/message:stream',
    body,
  }
  const incoming = { method: 'POST', headers: { 'content-type': 'application/json' }, body }
  return { call, incoming }
}

/**
 * An agent's answer at work on a long task: one progress event, its stream then open, until
 * `signal` aborts the request (as a real agent's connection ends when the gateway lets it go).
 */
export const workingTaskStream = (signal?: AbortSignal | null) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(
            `data: ${JSON.stringify({ statusUpdate: { taskId: 't-1', contextId: 'c-1', status: { state: 'TASK_STATE_WORKING' } } })}\n\n`,
          ),
        )
        signal?.addEventListener('abort', () => controller.error(signal.reason))
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  )
