import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AGENT_CARD_PATH, AgentCard, TaskState } from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
} from '@a2a-js/sdk/server'
import {
  agentCardHandler,
  jsonRpcHandler,
  restHandler,
  UserBuilder,
} from '@a2a-js/sdk/server/express'
import express from 'express'
import { statusUpdate, submittedTask } from '../../agents/a2a/task-events.ts'

/**
 * An A2A 1.0 agent with every capability the operation matrix needs: a task
 * that runs until canceled (say "slow"), push notification configs, and an
 * extended card. Both bindings, on the official SDK.
 */
export const startMatrixAgent = async () => {
  const app = express()
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const card = AgentCard.fromJSON({
    name: 'Matrix',
    description: 'Serves every A2A operation for the conformance matrix.',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${url}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${url}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'wait', name: 'Wait', description: 'Works until canceled', tags: ['test'] }],
  })
  const stops = new Map<string, () => void>()
  const executor: AgentExecutor = {
    async execute(context, eventBus) {
      const ids = { taskId: context.taskId, contextId: context.contextId }
      eventBus.publish(AgentEvent.task(context.task ?? submittedTask(ids, context.userMessage)))
      eventBus.publish(
        AgentEvent.statusUpdate(statusUpdate(ids, TaskState.TASK_STATE_WORKING, 'working')),
      )
      const slow = context.userMessage.parts.some(
        (part) => part.content?.$case === 'text' && part.content.value === 'slow',
      )
      const canceled = slow
        ? await new Promise<boolean>((resolve) => {
            stops.set(ids.taskId, () => resolve(true))
            setTimeout(() => resolve(false), 5_000).unref()
          })
        : false
      stops.delete(ids.taskId)
      const state = canceled ? TaskState.TASK_STATE_CANCELED : TaskState.TASK_STATE_COMPLETED
      eventBus.publish(
        AgentEvent.statusUpdate(statusUpdate(ids, state, canceled ? 'canceled' : 'done')),
      )
    },
    async cancelTask(taskId) {
      stops.get(taskId)?.()
    },
  }
  const extended = AgentCard.fromJSON({
    ...(AgentCard.toJSON(card) as object),
    skills: [
      { id: 'wait', name: 'Wait', description: 'Works until canceled', tags: ['test'] },
      { id: 'secret-skill', name: 'Extended', description: 'Only in the extended card', tags: [] },
    ],
  })
  const requestHandler = new DefaultRequestHandler(
    card,
    new InMemoryTaskStore(),
    executor,
    undefined,
    undefined,
    undefined,
    async () => extended,
  )
  const userBuilder = UserBuilder.noAuthentication
  app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler }))
  app.use('/rpc', jsonRpcHandler({ requestHandler, userBuilder }))
  app.use('/rest', restHandler({ requestHandler, userBuilder }))
  return {
    url,
    cardUrl: `${url}/${AGENT_CARD_PATH}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
