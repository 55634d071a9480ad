import { setTimeout as sleep } from 'node:timers/promises'
import { TaskState } from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server'
import { dataPart, textPart } from './parts.ts'
import type { Skill } from './skill.ts'
import { resolveSkillInput } from './skill-input.ts'
import { artifactChunk, statusUpdate, submittedTask, type TaskIds } from './task-events.ts'

export interface SkillExecutorOptions {
  /**
   * Pause between artifact chunks. Real agents produce their answers piece by
   * piece; the pause lets a streaming client (and the gateway) see the chunks
   * arrive one by one instead of in one burst.
   */
  chunkDelayMs?: number
}

/**
 * An A2A executor for a single-skill agent. Every request becomes a task that
 * goes submitted -> working -> artifact chunks -> completed, or ends in failed
 * with a status message saying what was wrong. It never rejects: an unexpected
 * error also ends the task as failed.
 */
export function createSkillExecutor<Input>(
  skill: Skill<Input>,
  options: SkillExecutorOptions = {},
): AgentExecutor {
  const chunkDelayMs = options.chunkDelayMs ?? 30
  const canceled = new Set<string>()

  async function skillExecutorExecute(
    context: RequestContext,
    eventBus: ExecutionEventBus,
  ): Promise<void> {
    const ids: TaskIds = { taskId: context.taskId, contextId: context.contextId }
    eventBus.publish(AgentEvent.task(context.task ?? submittedTask(ids, context.userMessage)))
    const publishStatus = (state: TaskState, text?: string) =>
      eventBus.publish(AgentEvent.statusUpdate(statusUpdate(ids, state, text)))

    try {
      const resolved = resolveSkillInput(skill, context.userMessage)
      if (!resolved.ok) {
        publishStatus(TaskState.TASK_STATE_FAILED, resolved.problem)
        return
      }
      publishStatus(TaskState.TASK_STATE_WORKING, skill.workingMessage(resolved.input))

      const result = skill.run(resolved.input)
      if (!result.ok) {
        publishStatus(TaskState.TASK_STATE_FAILED, result.problem)
        return
      }

      const chunks = result.textChunks.map((text) => [textPart(text)])
      if (resolved.structured) chunks.push([dataPart(result.data)])
      const artifactId = crypto.randomUUID()
      for (const [index, parts] of chunks.entries()) {
        if (index > 0) await sleep(chunkDelayMs)
        if (canceled.has(ids.taskId)) {
          publishStatus(TaskState.TASK_STATE_CANCELED, 'Canceled at the caller’s request.')
          return
        }
        const chunk = { artifactId, name: 'answer', parts, append: index > 0 }
        eventBus.publish(
          AgentEvent.artifactUpdate(
            artifactChunk(ids, { ...chunk, lastChunk: index === chunks.length - 1 }),
          ),
        )
      }
      publishStatus(TaskState.TASK_STATE_COMPLETED)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      publishStatus(
        TaskState.TASK_STATE_FAILED,
        `The ${skill.id} skill failed unexpectedly: ${reason}`,
      )
    } finally {
      // The request handler settles the event bus once this returns.
      canceled.delete(ids.taskId)
    }
  }

  async function skillExecutorCancelTask(taskId: string): Promise<void> {
    // Seen by the chunk loop, which then ends the task as canceled.
    canceled.add(taskId)
  }

  return { execute: skillExecutorExecute, cancelTask: skillExecutorCancelTask }
}
