import { backendCredentials } from '../../lib/backend/credentials.ts'
import type { ForwardCallOptions } from '../../lib/backend/forward-call.ts'

/**
 * What the agents handler forwards a call with, around `fetch`: an agent with no secrets, a
 * gateway at gw.test, the configured limits' defaults.
 *
 * @example
 * await forwardReported(record, call, incoming, forwardOptionsWith(fetch), trace, finished)
 */
export const forwardOptionsWith = (
  fetch: ForwardCallOptions['fetch'],
): Omit<ForwardCallOptions, 'onEnd' | 'traceHeaders'> => ({
  credentials: backendCredentials({ secrets: { read: async () => '' }, fetch }),
  fetch,
  caller: 'client-1',
  gateway: { agentUrl: 'http://gw.test/agents/weather', tokenUrl: 'http://gw.test/token' },
  signCard: async (card) => card,
  defaultTimeoutMs: 5_000,
  streamKeepAliveMs: 15_000,
  streamIdleTimeoutMs: 60_000,
  maxStreamEventBytes: 1024 * 1024,
})
