import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AGENT_CARD_PATH, AgentCard, TaskState } from '@a2a-js/sdk'
import { legacyRestRouter } from '@a2a-js/sdk/compat/v0_3/server/express'
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
 *
 * With `protocolVersion: '0.3'` the same agent speaks A2A 0.3 only, through the
 * SDK's 0.3 compat layer: `message/send` and friends over JSON-RPC, `/v1/...`
 * over HTTP+JSON, a 0.3 card; a 1.0 call is refused.
 */
export const startMatrixAgent = async ({
  protocolVersion = '1.0',
}: {
  protocolVersion?: '1.0' | '0.3'
} = {}) => {
  const app = express()
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const card = AgentCard.fromJSON({
    name: 'Matrix',
    description: 'Serves every A2A operation for the conformance matrix.',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${url}/rpc`, protocolBinding: 'JSONRPC', protocolVersion },
      { url: `${url}/rest`, protocolBinding: 'HTTP+JSON', protocolVersion },
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
  if (protocolVersion === '0.3') {
    app.get(`/${AGENT_CARD_PATH}`, (_request, response) => {
      response.json(legacyCard(url))
    })
    app.use(
      '/rpc',
      jsonRpcHandler({ requestHandler, userBuilder, legacyCompat: { enabled: true } }),
    )
    app.use('/rest', legacyRestRouter({ requestHandler, userBuilder }))
  } else {
    app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: requestHandler }))
    app.use('/rpc', jsonRpcHandler({ requestHandler, userBuilder }))
    app.use('/rest', restHandler({ requestHandler, userBuilder }))
  }
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

/** The 0.3 matrix agent's card, in 0.3's shape. */
const legacyCard = (url: string) => ({
  name: 'Matrix',
  description: 'Serves every A2A 0.3 operation for the conformance matrix.',
  version: '1.0.0',
  protocolVersion: '0.3.0',
  url: `${url}/rpc`,
  preferredTransport: 'JSONRPC',
  additionalInterfaces: [
    { url: `${url}/rpc`, transport: 'JSONRPC' },
    { url: `${url}/rest`, transport: 'HTTP+JSON' },
  ],
  capabilities: { streaming: true, pushNotifications: true },
  supportsAuthenticatedExtendedCard: true,
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 'wait', name: 'Wait', description: 'Works until canceled', tags: ['test'] }],
})
