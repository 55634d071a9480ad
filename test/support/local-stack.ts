import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningStack, startStack } from '../../local/stack.ts'

/**
 * What `npm start` runs, in this test process, on free ports and a fresh state
 * directory. The handlers read the environment once, so a test file starts one.
 */
export const startTestStack = async (): Promise<RunningStack & { stateDir: string }> => {
  const stateDir = await mkdtemp(join(tmpdir(), 'switchboard-test-'))
  const stack = await startStack({
    host: '127.0.0.1',
    port: 0,
    stateDir,
    agentPorts: { weather: 0, calculator: 0 },
    authorizerCacheTtlSeconds: 0,
  })
  return {
    ...stack,
    stateDir,
    stop: async () => {
      await stack.stop()
      await rm(stateDir, { recursive: true, force: true })
    },
  }
}
