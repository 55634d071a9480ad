import type { A2ACall } from '../../lib/a2a/request.ts'

/** A call as the gateway reads one: a 1.0 JSON-RPC GetTask with id 7, unless `overrides` say otherwise. */
export const a2aCall = (overrides: Partial<A2ACall>): A2ACall => ({
  agentId: 'a',
  operation: 'GetTask',
  version: '1.0',
  params: {},
  stream: false,
  binding: 'JSONRPC',
  jsonRpcId: 7,
  ...overrides,
})
