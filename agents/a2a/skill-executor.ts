import { setTimeout as sleep } from 'node:timers/promises'
import { TaskState } from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server'
import { dataPart, textPart } from './parts.ts'
import type { Skill, SkillResult } from './skill.ts'
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

export interface AgentSkills {
  /** Every skill of the agent; the first takes structured calls that name none. */
  // biome-ignore lint/suspicious/noExplicitAny: each skill has its own input type
  skills: Skill<any>[]
  /** The skill a plain-text request is for; the first skill when absent. */
  // biome-ignore lint/suspicious/noExplicitAny: each skill has its own input type
  skillForText?(text: string): Skill<any>
}

const CANCELED_TEXT = 'Canceled at the caller’s request.'

/**
 * An A2A executor for a single-skill agent: `createAgentExecutor` with one skill.
 */
export function createSkillExecutor<Input>(
  skill: Skill<Input>,
  options: SkillExecutorOptions = {},
): AgentExecutor {
  return createAgentExecutor({ skills: [skill] }, options)
}

/**
 * An A2A executor for an agent made of skills. Every request becomes a task
 * that goes submitted -> working (with progress updates from long skills) ->
 * artifact chunks -> completed; or waits in input-required for the caller's
 * reply, which continues the same task; or ends in failed with a status
 * message saying what was wrong. Cancel stops a running skill at its next
 * check (`work.signal`) and ends the task as canceled, as it does a task
 * waiting for input. It never rejects: an unexpected error also ends the
 * task as failed.
 */
export function createAgentExecutor(
  agent: AgentSkills,
  options: SkillExecutorOptions = {},
): AgentExecutor {
  const chunkDelayMs = options.chunkDelayMs ?? 30
  const running = new Map<string, AbortController>()
  const waitingForInput = new Map<string, TaskIds>()

  async function agentExecutorExecute(
    context: RequestContext,
    eventBus: ExecutionEventBus,
  ): Promise<void> {
    const ids: TaskIds = { taskId: context.taskId, contextId: context.contextId }
    eventBus.publish(AgentEvent.task(context.task ?? submittedTask(ids, context.userMessage)))
    const publishStatus = (state: TaskState, text?: string, data?: Record<string, unknown>) =>
      eventBus.publish(AgentEvent.statusUpdate(statusUpdate(ids, state, text, data)))
    const controller = new AbortController()
    running.set(ids.taskId, controller)
    waitingForInput.delete(ids.taskId)
    const { signal } = controller
    let skillId = 'agent'

    try {
      const resolved = resolveSkillInput(
        { ...agent, earlier: earlierUserMessages(context) },
        context.userMessage,
      )
      if (!resolved.ok) {
        publishStatus(TaskState.TASK_STATE_FAILED, resolved.problem)
        return
      }
      const { skill, input } = resolved
      skillId = skill.id
      publishStatus(TaskState.TASK_STATE_WORKING, skill.workingMessage(input))

      const result: SkillResult = await skill.run(input, {
        signal,
        structured: resolved.structured,
        progress: (text, data) => {
          if (!signal.aborted) publishStatus(TaskState.TASK_STATE_WORKING, text, data)
        },
      })
      if (signal.aborted) {
        publishStatus(TaskState.TASK_STATE_CANCELED, CANCELED_TEXT)
        return
      }
      if (result.ok === false) {
        publishStatus(TaskState.TASK_STATE_FAILED, result.problem)
        return
      }
      if (result.ok === 'input-required') {
        waitingForInput.set(ids.taskId, ids)
        // The wait ends with the task's event bus: the task continued, cancelled, or forgotten by
        // the task store (agentRequestHandler), when nobody can continue or cancel it any more.
        eventBus.once('finished', () => {
          if (waitingForInput.get(ids.taskId) === ids) waitingForInput.delete(ids.taskId)
        })
        publishStatus(TaskState.TASK_STATE_INPUT_REQUIRED, result.question)
        return
      }

      const chunks = result.textChunks.map((text) => [textPart(text)])
      if (resolved.structured) chunks.push([dataPart(result.data)])
      const artifactId = crypto.randomUUID()
      for (const [index, parts] of chunks.entries()) {
        if (index > 0) await sleep(chunkDelayMs)
        if (signal.aborted) {
          publishStatus(TaskState.TASK_STATE_CANCELED, CANCELED_TEXT)
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
      if (signal.aborted) {
        publishStatus(TaskState.TASK_STATE_CANCELED, CANCELED_TEXT)
        return
      }
      const reason = error instanceof Error ? error.message : String(error)
      publishStatus(
        TaskState.TASK_STATE_FAILED,
        `The ${skillId} skill failed unexpectedly: ${reason}`,
      )
    } finally {
      // The request handler settles the event bus once this returns.
      if (running.get(ids.taskId) === controller) running.delete(ids.taskId)
    }
  }

  async function agentExecutorCancelTask(
    taskId: string,
    eventBus: ExecutionEventBus,
  ): Promise<void> {
    const controller = running.get(taskId)
    if (controller !== undefined) {
      // Seen by the running skill and the chunk loop, which then end the task as canceled.
      controller.abort()
      return
    }
    // Nothing runs for a task waiting for the caller's input: end it here, on its bus.
    const ids = waitingForInput.get(taskId)
    if (ids === undefined) return
    waitingForInput.delete(taskId)
    eventBus.publish(
      AgentEvent.statusUpdate(statusUpdate(ids, TaskState.TASK_STATE_CANCELED, CANCELED_TEXT)),
    )
    eventBus.finished()
  }

  return { execute: agentExecutorExecute, cancelTask: agentExecutorCancelTask }
}

/** The caller's messages of a continued task before this one, oldest first. */
function earlierUserMessages(context: RequestContext) {
  const current = context.userMessage.messageId
  return (context.task?.history ?? []).filter(
    (message) => message.role === context.userMessage.role && message.messageId !== current,
  )
}
