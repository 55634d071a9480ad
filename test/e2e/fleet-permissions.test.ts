import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { putPermission } from '../support/stack-setup.ts'

/** Lambda refuses a buffered response (its whole JSON, inside the response's) over 6 MB. */
const lambdaResponseLimit = 6 * 1024 * 1024

describe('the permissions of a large fleet through the admin API', () => {
  let stack: RunningStack
  let admin: string
  const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))

  beforeAll(async () => {
    stack = await startThrowawayStack()
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it('answers every permission within what a Lambda may answer, however many agents they name', async () => {
    // Prepare: 24 scopes, each granting 2,000 agents (the most one permission may name) a limit
    const agents = Array.from(
      { length: 2000 },
      (_, i) => `agent-${String(i).padStart(4, '0')}-${'x'.repeat(52)}`,
    )
    const scopes = Array.from({ length: 24 }, (_, i) => `fleet:team-${String(i).padStart(2, '0')}`)
    for (const scope of scopes) {
      await putPermission({
        scope,
        agents,
        agentLimits: Object.fromEntries(agents.map((agentId) => [agentId, 1000])),
      })
    }

    // Act: every page, following each page's cursor to the next
    const pages: { size: number; scopes: string[] }[] = []
    let cursor: string | undefined
    do {
      const response = await adminCall(
        'GET',
        `/admin/permissions${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      )
      expect(response.status).toBe(200)
      const text = await response.text()
      const page = JSON.parse(text) as { permissions: { scope: string }[]; cursor?: string }
      pages.push({
        size: Buffer.byteLength(JSON.stringify(text)),
        scopes: page.permissions.map(({ scope }) => scope),
      })
      cursor = page.cursor
    } while (cursor !== undefined && pages.length < 10)

    // Assess
    expect(pages.filter(({ size }) => size >= lambdaResponseLimit)).toEqual([])
    expect(
      pages
        .flatMap((page) => page.scopes)
        .filter((scope) => scope.startsWith('fleet:'))
        .sort(),
    ).toEqual(scopes)
  })
})
