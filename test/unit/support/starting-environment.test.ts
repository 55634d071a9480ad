import { afterEach, describe, expect, it, vi } from 'vitest'

// What the next file in this worker would find once `starting-environment.ts` runs before it.
const nextFilesEnvironment = async () => {
  vi.resetModules()
  await import('../../support/starting-environment.ts')
  return process.env
}

describe('the environment a file that shares a worker starts with', () => {
  const kept = { ...process.env }
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in kept)) delete process.env[name]
    Object.assign(process.env, kept)
  })

  it('has no variable an earlier file set', async () => {
    process.env.MAX_CONCURRENT_STREAMS = '1'
    expect((await nextFilesEnvironment()).MAX_CONCURRENT_STREAMS).toBeUndefined()
  })

  it("has the worker's own values back where an earlier file changed or removed them", async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG'
    delete process.env.NODE_COMPILE_CACHE
    const environment = await nextFilesEnvironment()
    expect(environment.POWERTOOLS_LOG_LEVEL).toBe('SILENT')
    expect(environment.NODE_COMPILE_CACHE).toBe(kept.NODE_COMPILE_CACHE)
    expect(environment.NODE_COMPILE_CACHE).toBeDefined()
  })
})
