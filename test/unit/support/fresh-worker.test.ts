import { afterEach, describe, expect, it, vi } from 'vitest'

// What the next file in this worker finds once `fresh-worker.ts` has run before it.
const nextFile = async () => {
  vi.resetModules()
  await import('../../support/fresh-worker.ts')
}

describe('a test file that shares a worker starts as in a worker of its own', () => {
  const kept = { ...process.env }
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in kept)) delete process.env[name]
    Object.assign(process.env, kept)
  })

  it('with no variable an earlier file set', async () => {
    process.env.MAX_CONCURRENT_STREAMS = '1'
    await nextFile()
    expect(process.env.MAX_CONCURRENT_STREAMS).toBeUndefined()
  })

  it("with the worker's own values where an earlier file changed or removed them", async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG'
    delete process.env.NODE_COMPILE_CACHE
    await nextFile()
    expect(process.env.POWERTOOLS_LOG_LEVEL).toBe('SILENT')
    expect(process.env.NODE_COMPILE_CACHE).toBe(kept.NODE_COMPILE_CACHE)
    expect(process.env.NODE_COMPILE_CACHE).toBeDefined()
  })

  it('with no spy an earlier file left on a shared object, and real timers', async () => {
    const write = process.stdout.write
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    vi.useFakeTimers()
    await nextFile()
    expect(process.stdout.write).toBe(write)
    expect(vi.isFakeTimers()).toBe(false)
  })
})
