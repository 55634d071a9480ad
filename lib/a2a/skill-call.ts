import { randomUUID } from 'node:crypto'
import { asText, isKeptNumber } from '../json-kept-numbers.ts'
import { enumName, TaskState } from './protocol-values.ts'

/**
 * Method-driven JSON-RPC: `{ "method": "get_weather", "params": { ... } }` sent
 * to an agent one of whose skills has that id becomes an A2A SendMessage with the
 * params as a data part tagged with the skill, and the agent's answer becomes
 * the JSON-RPC result: its data if it returned data, else its text.
 */
export const skillIdPattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/

/** The SendMessage params (A2A 1.0 JSON) that carry a skill call. */
export const skillCallMessage = (skillId: string, params: unknown) => ({
  message: {
    messageId: randomUUID(),
    role: 'ROLE_USER',
    parts: [
      {
        data:
          params && typeof params === 'object' && !isKeptNumber(params)
            ? params
            : { value: params },
        mediaType: 'application/json',
        metadata: { skillId },
      },
    ],
  },
})

interface WirePart {
  text?: string
  data?: unknown
}
interface WireTask {
  status?: { state?: unknown; message?: { parts?: WirePart[] } }
  artifacts?: { parts?: WirePart[] }[]
}

const textOf = (parts: WirePart[] = []) =>
  parts
    .map((part) => part.text)
    .filter((text) => text !== undefined)
    // `asText`: joined, a text of `1e20`, kept as written, threw (the gateway's own 500).
    .map(asText)
    .join('')

export type SkillOutcome = { result: unknown } | { failure: string }

/**
 * Reads the answer to a skill call out of a SendMessage result (`{ task }` or
 * `{ message }`). A task that failed or was rejected is a failure, with the
 * agent's own explanation.
 */
export const skillCallOutcome = (sendMessageResult: unknown): SkillOutcome => {
  const { task, message } = (sendMessageResult ?? {}) as {
    task?: WireTask
    message?: { parts?: WirePart[] }
  }
  if (message) {
    const data = message.parts?.find((part) => part.data !== undefined)?.data
    return { result: data ?? textOf(message.parts) }
  }
  if (!task) return { failure: 'The agent answered with neither a task nor a message.' }
  // By name: ProtoJSON may give it by number (`4`), which read as no state passed a failed task's
  // artifact off as the skill's result.
  const state = enumName(TaskState, task.status?.state)
  if (
    state === 'TASK_STATE_FAILED' ||
    state === 'TASK_STATE_REJECTED' ||
    state === 'TASK_STATE_CANCELED'
  ) {
    return { failure: textOf(task.status?.message?.parts) || `The task ended in ${state}.` }
  }
  const parts = (task.artifacts ?? []).flatMap((artifact) => artifact.parts ?? [])
  const data = parts.find((part) => part.data !== undefined)?.data
  return { result: data ?? textOf(parts) }
}
