import { TaskState, taskStateToJSON } from '@a2a-js/sdk'
import {
  type AgentExecutionEvent,
  DefaultExecutionEventBus,
  RequestContext,
  ServerCallContext,
} from '@a2a-js/sdk/server'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { dataPart, textOf, textPart } from '../../../agents/a2a/parts.ts'
import type { Skill } from '../../../agents/a2a/skill.ts'
import { createSkillExecutor } from '../../../agents/a2a/skill-executor.ts'
import { textRequest, userMessage } from '../../integration/agents/support/messages.ts'

/** A skill that echoes its text in three chunks, or throws when told to. */
const echoSkill: Skill<{ text: string }> = {
  id: 'echo',
  inputSchema: z.object({ text: z.string() }),
  inputExample: { text: 'hello' },
  inputFromText: (text) => ({ text }),
  workingMessage: () => 'Echoing…',
  run({ text }) {
    if (text === 'throw') throw new Error('the echo broke')
    return { ok: true, textChunks: [text, ' ', text], data: { text } }
  },
}

function requestContext(text: string): RequestContext {
  const request = textRequest(text)
  return new RequestContext(request, 'task-1', 'context-1', new ServerCallContext())
}

/** Runs the executor on a message and records what it published, by kind and state. */
async function publishedBy(
  text: string,
  whileRunning?: (executor: ReturnType<typeof createSkillExecutor>) => void,
): Promise<AgentExecutionEvent[]> {
  const executor = createSkillExecutor(echoSkill, { chunkDelayMs: 5 })
  const bus = new DefaultExecutionEventBus()
  const events: AgentExecutionEvent[] = []
  bus.on('event', (event) => events.push(event))
  const running = executor.execute(requestContext(text), bus)
  whileRunning?.(executor)
  await running
  return events
}

function label(event: AgentExecutionEvent): string {
  if (event.kind === 'task' || event.kind === 'statusUpdate') {
    return `${event.kind} ${taskStateToJSON(event.data.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED)}`
  }
  return event.kind
}

describe('skill executor', () => {
  it('publishes submitted, working, one artifact chunk per text piece, then completed', async () => {
    // Act
    const events = await publishedBy('hi')

    // Assess
    expect(events.map(label)).toEqual([
      'task TASK_STATE_SUBMITTED',
      'statusUpdate TASK_STATE_WORKING',
      'artifactUpdate',
      'artifactUpdate',
      'artifactUpdate',
      'statusUpdate TASK_STATE_COMPLETED',
    ])
  })

  it('ends the task as failed, saying why, when the skill throws', async () => {
    // Act
    const events = await publishedBy('throw')

    // Assess
    const last = events.at(-1)
    expect(last && label(last)).toBe('statusUpdate TASK_STATE_FAILED')
    const message = last?.kind === 'statusUpdate' ? last.data.status?.message : undefined
    expect(message?.parts.map(textOf).join('')).toBe(
      'The echo skill failed unexpectedly: the echo broke',
    )
  })

  it('ends the task as canceled, before any answer, when asked to while the skill runs', async () => {
    // Act
    const events = await publishedBy('hi', (executor) => {
      void executor.cancelTask('task-1', new DefaultExecutionEventBus())
    })

    // Assess
    expect(events.map(label)).toEqual([
      'task TASK_STATE_SUBMITTED',
      'statusUpdate TASK_STATE_WORKING',
      'statusUpdate TASK_STATE_CANCELED',
    ])
  })

  it('adds a data part only when the call was structured', async () => {
    // Prepare
    const executor = createSkillExecutor(echoSkill, { chunkDelayMs: 0 })
    const bus = new DefaultExecutionEventBus()
    const parts: string[] = []
    bus.on('event', (event) => {
      if (event.kind === 'artifactUpdate') {
        for (const part of event.data.artifact?.parts ?? []) parts.push(part.content?.$case ?? '')
      }
    })
    const message = userMessage([textPart('ignored'), dataPart({ text: 'x' })])
    const context = new RequestContext(
      { tenant: '', message, configuration: undefined, metadata: undefined },
      'task-2',
      'context-2',
      new ServerCallContext(),
    )

    // Act
    await executor.execute(context, bus)

    // Assess
    expect(parts).toEqual(['text', 'text', 'text', 'data'])
  })
})
