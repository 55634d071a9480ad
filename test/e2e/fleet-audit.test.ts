import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { startCardServer, validCard } from '../support/card-server.ts'

/** Lambda refuses a buffered response (its whole JSON, inside the response's) over 6 MB. */
const lambdaResponseLimit = 6 * 1024 * 1024

describe('the audit trail of a large fleet through the admin API', () => {
  let stack: RunningStack
  let backend: Awaited<ReturnType<typeof startCardServer>>
  let admin: string
  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))

  beforeAll(async () => {
    stack = await startThrowawayStack()
    backend = await startCardServer()
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await backend?.stop()
    await stack?.stop()
  })

  /** A card of 150 skills, some 90 KB: an agent with a large catalog, its `version`-th edition. */
  const largeCard = (version: number) => ({
    ...validCard(backend.url),
    version: `1.0.${version}`,
    skills: Array.from({ length: 150 }, (_, i) => ({
      id: `skill-${i}`,
      name: `Skill ${i}`,
      description: `Edition ${version}: ${'handles one kind of request of the business. '.repeat(11)}`,
      tags: ['fleet'],
    })),
  })

  it('answers each page of the trail within what a Lambda may answer, however large its entries', async () => {
    // Prepare: an agent with a large card, its config changed 40 times (each entry its card before and after)
    const config = { agentId: 'catalog', backendUrl: backend.url, agentCardUrl: backend.cardUrl }
    backend.serve(largeCard(0))
    expect((await adminCall('POST', '/admin/register', config)).status).toBe(201)
    for (let version = 1; version <= 40; version++) {
      backend.serve(largeCard(version))
      const changed = await adminCall('PUT', '/admin/agents/catalog', {
        ...config,
        timeoutMs: 10_000 + version,
      })
      expect(changed.status, `change ${version}`).toBe(200)
    }

    // Act: every page of the agent's trail, as the console's Activity reads it
    const pages: { size: number; entries: number }[] = []
    let cursor: string | undefined
    do {
      const response = await adminCall(
        'GET',
        `/admin/audit?agentId=catalog${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      expect(response.status).toBe(200)
      const text = await response.text()
      const page = JSON.parse(text) as { entries: unknown[]; cursor?: string }
      pages.push({ size: Buffer.byteLength(JSON.stringify(text)), entries: page.entries.length })
      cursor = page.cursor
    } while (cursor !== undefined && pages.length < 10)

    // Assess: every change is on some page, and no page is past Lambda's limit
    expect(pages.filter(({ size }) => size >= lambdaResponseLimit)).toEqual([])
    expect(pages.reduce((sum, { entries }) => sum + entries, 0)).toBe(41)
  }, 60_000) // 41 changes of a 90 KB card through the admin API: 11 s quiet, past 20 s in a loaded CI
})
