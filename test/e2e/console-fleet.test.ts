import type { Browser, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { launchChromium, signIn } from '../support/browser.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { putPermission, registerAgents } from '../support/stack-setup.ts'

/** How many agents the fleet holds: more than one page of `GET /admin/agents` (100). */
const fleetSize = 120

/** Card checks the first test watches: enough to tell a few at a time from all at once. */
const checksWatched = 40

describe('the console with a fleet of agents', { timeout: 60_000 }, () => {
  let stack: RunningStack
  let browser: Browser
  let page: Page
  let echo: Awaited<ReturnType<typeof startCardServer>>

  beforeAll(async () => {
    stack = await startThrowawayStack()
    echo = await startCardServer()
    echo.serve(validCard(echo.url))
    // One agent registered as an operator would; the rest its copies, written straight to the table.
    const [first] = (await registerAgents(stack, [
      { agentId: 'fleet-000', backendUrl: echo.url, agentCardUrl: echo.cardUrl },
    ])) as AgentRecord[]
    const registry = new DynamoAgentRegistry(
      createDocumentClient({
        region: 'us-east-1',
        dynamoDbEndpoint: process.env.DYNAMODB_ENDPOINT,
      }),
      tableName('agents', process.env.TABLE_PREFIX as string),
    )
    const agentIds = Array.from(
      { length: fleetSize },
      (_, i) => `fleet-${String(i).padStart(3, '0')}`,
    )
    for (const agentId of agentIds.slice(1)) {
      await registry.create({ ...(first as AgentRecord), agentId })
    }
    // The operator holds `calculator:invoke`: every agent granted to them.
    await putPermission({ scope: 'calculator:invoke', agents: ['calculator', ...agentIds] })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await signIn(page, stack.url, 'operator')
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await echo?.stop()
    await stack?.stop()
  })

  it('checks its agents’ cards a few at a time, not the whole fleet at once', async () => {
    // Prepare: every card check the page makes, and how many are under way together
    let inFlight = 0
    let mostInFlight = 0
    let checks = 0
    const isCheck = (request: Request) => request.url().endsWith('/.well-known/agent-card.json')
    page.on('request', (request) => {
      if (!isCheck(request)) return
      checks++
      mostInFlight = Math.max(mostInFlight, ++inFlight)
    })
    const done = (request: Request) => {
      if (isCheck(request)) inFlight--
    }
    page.on('requestfinished', done)
    page.on('requestfailed', done)

    // Act
    await page.goto(`${stack.url}/console/#/`)
    await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor()
    await page.getByText('card served').nth(checksWatched).waitFor()

    // Assess
    expect(checks).toBeGreaterThan(checksWatched)
    expect(mostInFlight).toBeLessThanOrEqual(4)
  })

  it('goes on checking the rest of the fleet, and 30 s later again, past card checks that never answer', async () => {
    // Prepare: the first four agents' card checks left unanswered, as a stalled connection leaves
    // them (one for each check under way at once), the page's clock in the test's hands
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const stalled = await context.newPage()
    const held = /\/agents\/(fleet-00[0-3])\/\.well-known\/agent-card\.json$/
    const heldChecks: string[] = []
    try {
      await stalled.clock.install()
      await stalled.route(held, (route) => {
        heldChecks.push(held.exec(route.request().url())?.[1] as string)
      })
      await signIn(stalled, stack.url, 'operator')
      await expect.poll(() => heldChecks.length, { timeout: 20_000 }).toBe(4)

      // Act: the time a check is given passes, then the 30 s to the next round
      await stalled.clock.fastForward(10_000)
      const dot = (agentId: string) =>
        stalled.locator(`[data-agent="${agentId}"]`).getByTestId('health')
      await dot(`fleet-${String(fleetSize - 1).padStart(3, '0')}`)
        .getByText('card served')
        .waitFor({ timeout: 20_000 })
      await stalled.clock.fastForward(30_000)
      await expect.poll(() => heldChecks.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(8)

      // Assess
      expect(await dot('fleet-000').textContent()).toBe('card not served')
      expect(await dot('fleet-004').textContent()).toBe('card served')
      expect([...new Set(heldChecks)].sort()).toEqual([
        'fleet-000',
        'fleet-001',
        'fleet-002',
        'fleet-003',
      ])
    } finally {
      await context.close()
    }
  })

  it('offers a new permission every agent in order of its id, whatever page of the list it came on', async () => {
    // Act
    await page.goto(`${stack.url}/console/#/permissions`)
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await page.getByRole('button', { name: 'Add a permission' }).click()
    const offered = page.getByRole('group', { name: 'Agents it may call' }).getByRole('checkbox')
    await offered.nth(fleetSize + 1).waitFor()
    const names = await offered.evaluateAll((boxes) =>
      boxes.map((box) => (box as HTMLInputElement).labels?.[0]?.textContent?.trim()),
    )

    // Assess
    expect(names).toHaveLength(fleetSize + 2)
    expect(names).toEqual([...names].sort())
  })

  it('shows every caller, past the 60 a page of GET /admin/clients holds', async () => {
    // Prepare: 61 callers made through the admin API, besides the stack's own
    const admin = await stack.token('admin-client')
    const adminCall = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      expect(response.status, `${method} ${path}`).toBeLessThan(300)
      return (await response.json()) as { clients: { clientId: string }[]; cursor?: string }
    }
    for (let i = 0; i < 61; i++) {
      await adminCall('POST', '/admin/clients', { name: `bulk-${i}`, scopes: ['weather:invoke'] })
    }
    const clientIds: string[] = []
    let cursor: string | undefined
    do {
      const page = await adminCall('GET', `/admin/clients${cursor ? `?cursor=${cursor}` : ''}`)
      clientIds.push(...page.clients.map(({ clientId }) => clientId))
      cursor = page.cursor
    } while (cursor)

    // Act
    await page.goto(`${stack.url}/console/#/callers`)
    await page.getByRole('heading', { level: 1, name: 'Callers' }).waitFor()
    await page.locator('[data-client]').first().waitFor()
    await page.getByText('Loading callers…').waitFor({ state: 'detached' })
    const shown = await page
      .locator('[data-client]')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-client')))

    // Assess
    expect(clientIds.length).toBeGreaterThan(61)
    expect(shown.sort()).toEqual(clientIds.sort())
  })
})
