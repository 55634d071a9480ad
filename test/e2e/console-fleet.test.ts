import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createDocumentClient } from '../../lib/dynamo.ts'
import type { AgentRecord } from '../../lib/registry/agent-record.ts'
import { DynamoAgentRegistry } from '../../lib/registry/agent-registry.ts'
import { tableName } from '../../lib/tables.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { launchChromium, screenshotDir, signIn } from '../support/browser.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { putPermission, registerAgents } from '../support/stack-setup.ts'

/** How many agents the fleet holds: more than one page of `GET /admin/agents` (100). */
const fleetSize = 120

/** The agents the Fleet lists: the fleet and the stack's own two, calculator and weather. */
const listed = fleetSize + 2

/** Cards a page of the Fleet shows (`cardsPerPage` in console/pages/fleet.tsx). */
const cardsPerPage = 24

/** Card checks the first test watches: enough to tell a few at a time from all at once. */
const checksWatched = 20

/** The fleet's agents in the order the Fleet lists them, by id. */
const listedIds = [
  'calculator',
  ...Array.from({ length: fleetSize }, (_, i) => `fleet-${String(i).padStart(3, '0')}`),
  'weather',
]

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

  /**
   * A page opened from another one, by its link in the header, as a person does: the page and its
   * state made anew (a `goto` of the hash it already shows would keep them).
   */
  const openedAnew = async (name: 'Fleet' | 'Callers') => {
    await page.goto(`${stack.url}/console/#/permissions`)
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await page.getByRole('link', { name }).click()
  }

  /**
   * The Callers page with every caller read: a card shown, then the loading line gone. Waiting
   * for the line alone passed at once when the page had not put it up yet, and no caller was
   * counted ("Callers" where "Callers 0 callers" was awaited, once in CI).
   */
  const callersRead = async () => {
    await page.locator('[data-client]').first().waitFor()
    await page.getByText('Loading callers…').waitFor({ state: 'detached' })
  }

  /** The callers whose cards the page shows, in the order shown. */
  const callersShown = () =>
    page
      .locator('[data-client]')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-client') as string))

  /** The Callers page's Previous and Next above the cards. */
  const callersPager = () =>
    page.getByRole('navigation', { name: 'Pages of the callers', exact: true })

  /**
   * Every caller the Callers page lists, in its order: page after page from the first, by its
   * Next, as a person reads them. It leaves the page on the last.
   */
  const everyCallerListed = async () => {
    const top = callersPager()
    if ((await top.count()) === 0) return callersShown()
    const previous = top.getByRole('button', { name: 'Previous' })
    while ((await previous.getAttribute('aria-disabled')) !== 'true') await previous.click()
    const pages = Number(/of (\d+)/.exec((await top.locator('span').textContent()) ?? '')?.[1])
    const listed: string[] = []
    for (let shown = 1; ; shown++) {
      await top.getByText(`Page ${shown} of ${pages}`).waitFor()
      listed.push(...(await callersShown()))
      if (shown === pages) return listed
      await top.getByRole('button', { name: 'Next' }).click()
    }
  }

  it('checks its agents’ cards a few at a time, not the whole fleet at once', async () => {
    // Prepare: every card check the page makes from here on, and how many are under way together.
    // Signing in opened the Fleet, whose first round may be under way: only checks seen to start
    // are counted, and the page is left (ending that round) and opened again for a round of its own.
    const underWay = new Set<Request>()
    let mostInFlight = 0
    let checks = 0
    const isCheck = (request: Request) => request.url().endsWith('/.well-known/agent-card.json')
    page.on('request', (request) => {
      if (!isCheck(request)) return
      checks++
      underWay.add(request)
      mostInFlight = Math.max(mostInFlight, underWay.size)
    })
    const done = (request: Request) => underWay.delete(request)
    page.on('requestfinished', done)
    page.on('requestfailed', done)
    await page.goto(`${stack.url}/console/#/permissions`)
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await vi.waitFor(() => expect(underWay.size).toBe(0))
    checks = 0
    mostInFlight = 0

    // Act
    await page.goto(`${stack.url}/console/#/`)
    await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor()
    await vi.waitFor(() => expect(checks).toBeGreaterThan(checksWatched), { timeout: 30_000 })

    // Assess
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
      // The last card of the first page, the one page of cards checked
      await dot(listedIds[cardsPerPage - 1] as string)
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

  /** The agents whose cards are on the page, in the order shown. */
  const cardsShown = () =>
    page.locator('[data-agent]').evaluateAll((cards) => cards.map((card) => card.dataset.agent))
  /** Every dot on the page says what the check found (none is "checking…"). */
  const allChecked = async () => {
    await page.locator('[data-agent]').first().waitFor()
    await expect
      .poll(() => page.getByTestId('health').getByText('checking…').count(), { timeout: 20_000 })
      .toBe(0)
  }

  it('says how many agents the fleet holds and shows them a page at a time, checking only the cards shown', async () => {
    // Prepare: which agents' cards the page checks
    const checked = new Set<string>()
    const onRequest = (request: Request) => {
      const agentId = /\/agents\/([^/]+)\/\.well-known\/agent-card\.json$/.exec(request.url())?.[1]
      if (agentId) checked.add(agentId)
    }
    page.on('request', onRequest)
    const top = page.getByRole('navigation', { name: 'Pages of the fleet', exact: true })
    const below = page.getByRole('navigation', { name: 'Pages of the fleet, below the cards' })
    const count = page.getByTestId('fleet-count')
    try {
      // Act: the Fleet opened from another page
      await openedAnew('Fleet')
      await page.getByRole('heading', { level: 1, name: `Fleet ${listed} agents` }).waitFor()
      await allChecked()

      // Assess: the first page, and only its cards checked (the range in words, as a screen
      // reader at its usual punctuation level says no en dash)
      expect(await cardsShown()).toEqual(listedIds.slice(0, cardsPerPage))
      await expect(count.textContent()).resolves.toBe(`Showing 1 to 24 of ${listed} agents`)
      expect([...checked].sort()).toEqual(listedIds.slice(0, cardsPerPage))
      await expect(top.getByText('Page 1 of 6').isVisible()).resolves.toBe(true)
      await expect(
        top.getByRole('button', { name: 'Previous' }).getAttribute('aria-disabled'),
      ).resolves.toBe('true')

      // Act: the next page, from the buttons below the cards, by keyboard
      checked.clear()
      await below.getByRole('button', { name: 'Next' }).focus()
      await page.keyboard.press('Enter')

      // Assess: the next 24, the focus on the Next above them, the new cards checked
      await expect.poll(cardsShown).toEqual(listedIds.slice(cardsPerPage, 2 * cardsPerPage))
      await expect.poll(() => count.textContent()).toBe(`Showing 25 to 48 of ${listed} agents`)
      await expect(
        top
          .getByRole('button', { name: 'Next' })
          .evaluate((button) => button === document.activeElement),
      ).resolves.toBe(true)
      await allChecked()
      expect([...checked].sort()).toEqual(listedIds.slice(cardsPerPage, 2 * cardsPerPage))
      await mkdir(screenshotDir, { recursive: true })
      // Seen at 1280, 700 and 320 px wide, the page's buttons not pushing it sideways
      for (const width of [1280, 700, 320]) {
        await page.setViewportSize({ width, height: 900 })
        await page.screenshot({ path: join(screenshotDir, `fleet-page-2-${width}.png`) })
        await expect
          .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
          .toBeLessThanOrEqual(width)
      }
      await below.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(screenshotDir, 'fleet-page-2-foot-320.png') })
      await page.setViewportSize({ width: 1280, height: 900 })

      // Act: on to the last page, and Next pressed there again
      for (let turns = 0; turns < 5; turns++) await page.keyboard.press('Enter')

      // Assess: the last two agents, Next refused but still where the keyboard is
      await expect.poll(cardsShown).toEqual(listedIds.slice(5 * cardsPerPage))
      await expect(count.textContent()).resolves.toBe(`Showing 121 to 122 of ${listed} agents`)
      const next = top.getByRole('button', { name: 'Next' })
      await expect(next.getAttribute('aria-disabled')).resolves.toBe('true')
      await expect(next.evaluate((button) => button === document.activeElement)).resolves.toBe(true)
    } finally {
      page.off('request', onRequest)
    }
  })

  it('filters the whole fleet, not the page shown, and shows the first page of what it leaves', async () => {
    // Prepare: the Fleet on its third page
    await openedAnew('Fleet')
    await page.locator('[data-agent]').first().waitFor()
    const top = page.getByRole('navigation', { name: 'Pages of the fleet', exact: true })
    await top.getByRole('button', { name: 'Next' }).click()
    await top.getByRole('button', { name: 'Next' }).click()
    await expect.poll(cardsShown).toEqual(listedIds.slice(2 * cardsPerPage, 3 * cardsPerPage))
    const filter = page.getByLabel('Filter by name, id or status')
    const count = page.getByTestId('fleet-count')

    // Act: agents on the fifth page
    await filter.fill('fleet-11')

    // Assess
    await expect.poll(cardsShown).toEqual(listedIds.slice(111, 121))
    await expect(count.textContent()).resolves.toBe(`10 of ${listed} agents`)
    await expect(top.count()).resolves.toBe(0)

    // Act: more than a page
    await filter.fill('fleet')

    // Assess: from the first of them, said which
    await expect.poll(cardsShown).toEqual(listedIds.slice(1, 1 + cardsPerPage))
    await expect(count.textContent()).resolves.toBe(
      `${fleetSize} of ${listed} agents, showing 1 to 24`,
    )
    await expect(top.getByText('Page 1 of 5').isVisible()).resolves.toBe(true)

    // Act: an id pasted with the spaces around it
    await filter.fill(' fleet-11 ')

    // Assess: read past them
    await expect.poll(cardsShown).toEqual(listedIds.slice(111, 121))
    await expect(count.textContent()).resolves.toBe(`10 of ${listed} agents`)

    // Act: only spaces, which filter nothing
    await filter.fill('   ')

    // Assess: the whole fleet, and no count of a filter's
    await expect.poll(cardsShown).toEqual(listedIds.slice(0, cardsPerPage))
    await expect(count.textContent()).resolves.toBe(`Showing 1 to 24 of ${listed} agents`)
  })

  it('shows the page it showed when the browser goes back to it from an agent', async () => {
    // Prepare: the Fleet's fourth page of what the filter "fleet" leaves, an agent there opened
    await openedAnew('Fleet')
    await page.locator('[data-agent]').first().waitFor()
    const filter = page.getByLabel('Filter by name, id or status')
    await filter.fill('fleet')
    const top = page.getByRole('navigation', { name: 'Pages of the fleet', exact: true })
    for (let turns = 0; turns < 3; turns++) await top.getByRole('button', { name: 'Next' }).click()
    const fourthPage = listedIds.slice(1 + 3 * cardsPerPage, 1 + 4 * cardsPerPage)
    await expect.poll(cardsShown).toEqual(fourthPage)
    await page.getByRole('link', { name: 'Echo Agent' }).first().click()
    await page.getByRole('link', { name: '← Fleet' }).waitFor()
    expect(page.url()).toMatch(new RegExp(`#/agents/${fourthPage[0]}$`))

    // Act
    await page.goBack()

    // Assess: the same cards, said which, the filter as typed
    await expect.poll(cardsShown).toEqual(fourthPage)
    await expect(page.getByTestId('fleet-count').textContent()).resolves.toBe(
      `${fleetSize} of ${listed} agents, showing 73 to 96`,
    )
    await expect(filter.inputValue()).resolves.toBe('fleet')
    await expect(top.getByText('Page 4 of 5').isVisible()).resolves.toBe(true)

    // Act: the Fleet asked for anew, from the console's pages
    await page.getByRole('link', { name: 'Permissions' }).click()
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await page.getByRole('link', { name: 'Fleet', exact: true }).click()

    // Assess: from its start
    await expect.poll(cardsShown).toEqual(listedIds.slice(0, cardsPerPage))
    await expect(filter.inputValue()).resolves.toBe('')
  })

  it('names the first few agents of a permission of many, and the rest on demand', async () => {
    // Prepare
    await page.goto(`${stack.url}/console/#/permissions`)
    const card = page.locator('li[data-scope="calculator:invoke"]')
    const agents = card.locator('dt:text-is("Agents") + dd')
    await agents.waitFor()
    const more = card.locator('details')

    // Assess: six of its 121, and how many more
    expect((await agents.innerText()).split('\n')[0]).toBe(
      'calculator, fleet-000, fleet-001, fleet-002, fleet-003, fleet-004',
    )
    await expect(card.getByText(/fleet-119/).isVisible()).resolves.toBe(false)
    const summary = card.locator('summary')
    await expect(summary.textContent()).resolves.toBe(`and ${fleetSize + 1 - 6} more`)
    await mkdir(screenshotDir, { recursive: true })
    await card.screenshot({ path: join(screenshotDir, 'permission-many-agents-1280.png') })

    // Act: opened by keyboard
    await summary.focus()
    await page.keyboard.press('Enter')

    // Assess: every agent named, the disclosure said to be open
    await expect.poll(() => card.getByText(/fleet-119/).isVisible()).toBe(true)
    await expect(more.evaluate((details) => (details as HTMLDetailsElement).open)).resolves.toBe(
      true,
    )
    const named = (await agents.innerText())
      .split(/[\s,]+/)
      .filter((word) => /^(calculator|fleet-\d+)$/.test(word))
    expect(named).toEqual(listedIds.slice(0, fleetSize + 1))
    for (const width of [1280, 700]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({
        path: join(screenshotDir, `permission-many-agents-open-${width}.png`),
      })
    }
    await page.setViewportSize({ width: 1280, height: 900 })

    // Act: its removal asked for
    await card.getByRole('button', { name: 'Remove permission calculator:invoke' }).click()

    // Assess: the question names the same few, and how many more
    const question = page.getByRole('alertdialog')
    await expect(question.locator('#confirm-question').textContent()).resolves.toBe(
      `Remove the permission of calculator:invoke? Its holders lose calculator, fleet-000, fleet-001, fleet-002, fleet-003, fleet-004 and ${fleetSize + 1 - 6} more at once.`,
    )
    await question.getByRole('button', { name: 'Cancel' }).click()

    // Act: saved as it is
    await card.getByRole('button', { name: 'Edit permission calculator:invoke' }).click()
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: what it grants, said the same way
    await expect
      .poll(() => page.getByTestId('notice').first().textContent())
      .toBe(
        `Done: calculator:invoke saved: it grants calculator, fleet-000, fleet-001, fleet-002, fleet-003, fleet-004 and ${fleetSize + 1 - 6} more.`,
      )
  })

  it('names a permission of eight agents whole, and one of nine by six and "and 3 more"', async () => {
    // Prepare
    const eight = listedIds.slice(1, 9)
    const nine = listedIds.slice(1, 10)
    await putPermission({ scope: 'eight:invoke', agents: eight })
    await putPermission({ scope: 'nine:invoke', agents: nine })

    // Act: the Permissions page opened anew (the test before leaves the page on it)
    await page.goto(`${stack.url}/console/#/fleet`)
    await page.getByRole('heading', { level: 1, name: /^Fleet/ }).waitFor()
    await page.getByRole('link', { name: 'Permissions' }).click()
    const agentsOf = (scope: string) =>
      page.locator(`li[data-scope="${scope}"]`).locator('dt:text-is("Agents") + dd')
    await agentsOf('nine:invoke').waitFor()

    // Assess
    await expect(agentsOf('eight:invoke').innerText()).resolves.toBe(eight.join(', '))
    await expect(agentsOf('eight:invoke').locator('details').count()).resolves.toBe(0)
    await expect(agentsOf('nine:invoke').innerText()).resolves.toBe(
      `${nine.slice(0, 6).join(', ')}\nand 3 more`,
    )
    await page
      .locator('li[data-scope="nine:invoke"]')
      .getByRole('button', { name: 'Remove permission nine:invoke' })
      .click()
    await expect(page.locator('#confirm-question').textContent()).resolves.toBe(
      `Remove the permission of nine:invoke? Its holders lose ${nine.slice(0, 6).join(', ')} and 3 more at once.`,
    )
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click()
  })

  it('keeps each agent a permission names whole on one line at 320 px', async () => {
    // Prepare: the permission of many agents, all of them shown, in a phone's width
    await page.setViewportSize({ width: 320, height: 900 })
    try {
      await page.goto(`${stack.url}/console/#/permissions`)
      const card = page.locator('li[data-scope="calculator:invoke"]')
      const agents = card.locator('dt:text-is("Agents") + dd')
      await agents.waitFor()

      // Act: opened (whatever a test before left it)
      await card.locator('details').evaluate((more) => {
        ;(more as HTMLDetailsElement).open = true
      })
      await card.getByText(/fleet-119/).waitFor()
      await page.screenshot({ path: join(screenshotDir, 'permission-many-agents-open-320.png') })

      // Assess: no id split at its "-" ("fleet-" on one line, "000" on the next)
      const split = await agents.evaluate((list) => {
        const broken: string[] = []
        const walker = document.createTreeWalker(list, NodeFilter.SHOW_TEXT)
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
          for (const id of (text.textContent ?? '').matchAll(/[a-z0-9][a-z0-9-]*/g)) {
            const range = document.createRange()
            range.setStart(text, id.index)
            range.setEnd(text, id.index + id[0].length)
            const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)))
            if (lines.size > 1) broken.push(id[0])
          }
        }
        return broken
      })
      expect(split).toEqual([])
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
        .toBeLessThanOrEqual(320)
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
  })

  it('offers a new permission every agent in order of its id, whatever page of the list it came on', async () => {
    // Act
    await page.goto(`${stack.url}/console/#/permissions`)
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await page.getByRole('button', { name: 'Add a permission' }).click()
    // The agents' checkboxes, not the one that shows only those chosen
    const offered = page
      .getByRole('group', { name: 'Agents it may call' })
      .locator('input[type="checkbox"][name="agents"]')
    await offered.nth(fleetSize + 1).waitFor()
    const names = await offered.evaluateAll((boxes) =>
      boxes.map((box) => (box as HTMLInputElement).labels?.[0]?.textContent?.trim()),
    )

    // Assess
    expect(names).toHaveLength(fleetSize + 2)
    expect(names).toEqual([...names].sort())
  })

  it('filters a permission’s agents by id or name, keeps those chosen when filtered out, says how many are chosen and shows only them', async () => {
    // Prepare
    await page.goto(`${stack.url}/console/#/fleet`)
    await page.getByRole('heading', { level: 1, name: /^Fleet/ }).waitFor()
    await page.getByRole('link', { name: 'Permissions' }).click()
    await page.getByRole('button', { name: 'Add a permission' }).click()
    const group = page.getByRole('group', { name: 'Agents it may call' })
    const offered = group.getByRole('checkbox', { name: /^(calculator|weather|fleet-\d+)$/ })
    const chosen = group.getByRole('status')
    const filter = group.getByRole('textbox', { name: 'Filter agents by id or name' })
    const shownIds = () =>
      offered.evaluateAll((boxes) => boxes.map((box) => (box as HTMLInputElement).value))
    await expect.poll(() => chosen.textContent()).toBe(`0 of ${listed} agents chosen`)

    // Act: two chosen through the filter, by id
    await filter.fill('fleet-11')
    await expect.poll(shownIds).toEqual(listedIds.filter((id) => id.startsWith('fleet-11')))
    await group.getByRole('checkbox', { name: 'fleet-117' }).check()
    await filter.fill('calc')
    await group.getByRole('checkbox', { name: 'calculator' }).check()
    // Enter in the filter narrows, never sends the form
    await filter.press('Enter')

    // Assess: the first still chosen, though not shown; the count says both
    await expect.poll(shownIds).toEqual(['calculator'])
    await expect.poll(() => chosen.textContent()).toBe(`2 of ${listed} agents chosen, 1 shown`)
    await expect(page.getByTestId('notice').count()).resolves.toBe(0)

    // Act: by the name on their cards
    await filter.fill('echo agent')

    // Assess
    await expect.poll(shownIds).toEqual(listedIds.filter((id) => id.startsWith('fleet-')))
    await expect(group.getByRole('checkbox', { name: 'fleet-117' }).isChecked()).resolves.toBe(true)

    // Act: the filter emptied, only the chosen shown, by keyboard
    await filter.fill('')
    await filter.focus()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Space')

    // Assess
    await expect.poll(shownIds).toEqual(['calculator', 'fleet-117'])
    await expect.poll(() => chosen.textContent()).toBe(`2 of ${listed} agents chosen, 2 shown`)
    await expect(
      offered.evaluateAll((boxes) => boxes.every((box) => (box as HTMLInputElement).checked)),
    ).resolves.toBe(true)

    // Act: one unchecked there, by keyboard
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Space')

    // Assess: still shown, unchecked, and the focus still on it
    await expect.poll(() => chosen.textContent()).toBe(`1 of ${listed} agents chosen, 2 shown`)
    await expect(shownIds()).resolves.toEqual(['calculator', 'fleet-117'])
    await expect(
      group
        .getByRole('checkbox', { name: 'fleet-117' })
        .evaluate((box) => box === document.activeElement),
    ).resolves.toBe(true)
    await page.keyboard.press('Space')
    await mkdir(screenshotDir, { recursive: true })
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: join(screenshotDir, `permission-agent-filter-${width}.png`) })
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.getByRole('button', { name: 'Cancel' }).click()
  })

  it('says no agent is chosen yet, not that none matches, when only the chosen are shown and none is', async () => {
    // Prepare
    await page.goto(`${stack.url}/console/#/fleet`)
    await page.getByRole('heading', { level: 1, name: /^Fleet/ }).waitFor()
    await page.getByRole('link', { name: 'Permissions' }).click()
    await page.getByRole('button', { name: 'Add a permission' }).click()
    const group = page.getByRole('group', { name: 'Agents it may call' })

    // Act
    await group.getByRole('checkbox', { name: 'Show only the chosen agents' }).check()

    // Assess: the filter is empty; "No agent matches." spoke of a filter nobody typed
    await group.getByText('No agent is chosen yet.').waitFor()
    await expect(group.getByText('No agent matches.').count()).resolves.toBe(0)
    await page.getByRole('button', { name: 'Cancel' }).click()
  })

  it('says which agents a save added and removed, and what else it changed, not the first six it grants', async () => {
    // Prepare: a permission of 100 agents, its scope defined (the gateway saves none for another)
    const hundred = listedIds.slice(1, 101)
    const defined = await fetch(`${stack.url}/admin/scopes/hundred:invoke`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await stack.token('admin-client')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ description: 'A hundred agents' }),
    })
    expect(defined.status).toBeLessThan(300)
    await putPermission({ scope: 'hundred:invoke', agents: hundred })
    await page.goto(`${stack.url}/console/#/fleet`)
    await page.getByRole('heading', { level: 1, name: /^Fleet/ }).waitFor()
    await page.getByRole('link', { name: 'Permissions' }).click()
    const card = page.locator('li[data-scope="hundred:invoke"]')
    await card.getByRole('button', { name: 'Edit permission hundred:invoke' }).click()
    const filter = card.getByRole('textbox', { name: 'Filter agents by id or name' })

    // Act: one added, one taken away, a limit set
    await filter.fill('weather')
    await card.getByRole('checkbox', { name: 'weather' }).check()
    await filter.fill('fleet-050')
    await card.getByRole('checkbox', { name: 'fleet-050' }).uncheck()
    await card.getByLabel('Requests per minute').fill('30')
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess
    await expect
      .poll(() => page.getByTestId('notice').first().textContent())
      .toBe('Done: hundred:invoke saved: weather added; fleet-050 removed; limit now 30/min.')
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
    await callersRead()
    const shown = await everyCallerListed()

    // Assess
    expect(clientIds.length).toBeGreaterThan(61)
    expect(shown.sort()).toEqual(clientIds.sort())
  })
  /** Every caller the gateway holds, by id: its name and scopes (the admin API's pages read). */
  const callersHeld = async () => {
    const admin = await stack.token('admin-client')
    const held = new Map<string, { name: string; scopes: string[] }>()
    let cursor: string | undefined
    do {
      const response = await fetch(
        `${stack.url}/admin/clients${cursor ? `?cursor=${cursor}` : ''}`,
        { headers: { authorization: `Bearer ${admin}` } },
      )
      const answer = (await response.json()) as {
        clients: { clientId: string; name: string; scopes: string[] }[]
        cursor?: string
      }
      for (const { clientId, name, scopes } of answer.clients) held.set(clientId, { name, scopes })
      cursor = answer.cursor
    } while (cursor)
    return held
  }

  it('filters the callers by name, client id or scope, case aside, and says how many it leaves, or that none matches', async () => {
    // Prepare: the callers of the test before (61 of them named bulk-0 to bulk-60)
    const held = await callersHeld()
    const nameOf = (clientId: string) => held.get(clientId)?.name
    await openedAnew('Callers')
    await callersRead()
    const listed = await everyCallerListed()
    const filter = page.getByLabel('Filter by name, id or scope')
    const count = page.getByTestId('callers-count')
    const all = `${listed.length} callers`
    const bulk42 = listed.find((clientId) => nameOf(clientId) === 'bulk-42') as string

    // Act: by name, in capitals
    await filter.fill('BULK-1')

    // Assess: every one of them, on one page, counted
    await expect
      .poll(async () => (await callersShown()).map(nameOf))
      .toEqual(['bulk-1', ...Array.from({ length: 10 }, (_, i) => `bulk-1${i}`)])
    await expect(count.textContent()).resolves.toBe(`11 of ${all}`)
    await expect(callersPager().count()).resolves.toBe(0)

    // Act: by client id, in capitals
    await filter.fill(bulk42.toUpperCase())

    // Assess
    await expect.poll(callersShown).toEqual([bulk42])
    await expect(count.textContent()).resolves.toBe(`1 of ${all}`)

    // Act: by scope
    await filter.fill('Calculator:Invoke')

    // Assess: those holding it, none named after it
    const holding = listed.filter((clientId) =>
      held.get(clientId)?.scopes.includes('calculator:invoke'),
    )
    expect(holding.length).toBeGreaterThan(0)
    expect(holding.map(nameOf).filter((name) => name?.includes('calculator'))).toEqual([])
    await expect.poll(callersShown).toEqual(holding)
    await expect(count.textContent()).resolves.toBe(`${holding.length} of ${all}`)

    // Act: nothing it matches
    await filter.fill('no-such-caller')

    // Assess: said plainly, and counted
    await page.getByText('No caller matches “no-such-caller”.').waitFor()
    await expect(page.locator('[data-client]').count()).resolves.toBe(0)
    await expect(count.textContent()).resolves.toBe(`0 of ${all}`)
    await mkdir(screenshotDir, { recursive: true })
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: join(screenshotDir, `callers-no-match-${width}.png`) })
    }
    await page.setViewportSize({ width: 1280, height: 900 })

    // Act: only spaces, which filter nothing
    await filter.fill('  ')

    // Assess: every caller, and no count of a filter's
    await expect.poll(async () => (await callersShown()).length).toBe(24)
    await expect(count.textContent()).resolves.toBe(`Showing 1 to 24 of ${all}`)

    // Act: more than a page of them
    await filter.fill('bulk')

    // Assess: the first page of what it leaves, said which
    await expect
      .poll(callersShown)
      .toEqual(listed.filter((clientId) => nameOf(clientId)?.startsWith('bulk')).slice(0, 24))
    await expect(count.textContent()).resolves.toBe(`61 of ${all}, showing 1 to 24`)
    await expect(callersPager().getByText('Page 1 of 3').isVisible()).resolves.toBe(true)
  })

  it('shows the callers 24 a page with Previous and Next, filtered across every page, from the first again as the filter changes', async () => {
    // Prepare: every caller, in the page's order (it leaves the page on the last page)
    await openedAnew('Callers')
    await callersRead()
    const listed = await everyCallerListed()
    const pages = Math.ceil(listed.length / cardsPerPage)
    expect(pages).toBe(3)
    const held = await callersHeld()
    const nameOf = (clientId: string) => held.get(clientId)?.name

    // Act: the page opened anew
    await openedAnew('Callers')
    await callersRead()

    // Assess: the first page, said which
    const top = callersPager()
    const below = page.getByRole('navigation', { name: 'Pages of the callers, below the cards' })
    const count = page.getByTestId('callers-count')
    expect(await callersShown()).toEqual(listed.slice(0, cardsPerPage))
    await expect(count.textContent()).resolves.toBe(`Showing 1 to 24 of ${listed.length} callers`)
    await expect(top.getByText(`Page 1 of ${pages}`).isVisible()).resolves.toBe(true)
    await expect(
      top.getByRole('button', { name: 'Previous' }).getAttribute('aria-disabled'),
    ).resolves.toBe('true')

    // Act: the next page, from the buttons below the cards, by keyboard
    await below.getByRole('button', { name: 'Next' }).focus()
    await page.keyboard.press('Enter')

    // Assess: the next 24, said which, the focus on the Next above them
    await expect.poll(callersShown).toEqual(listed.slice(cardsPerPage, 2 * cardsPerPage))
    await expect(count.textContent()).resolves.toBe(`Showing 25 to 48 of ${listed.length} callers`)
    await expect(
      top
        .getByRole('button', { name: 'Next' })
        .evaluate((button) => button === document.activeElement),
    ).resolves.toBe(true)
    await mkdir(screenshotDir, { recursive: true })
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 })
      await top.scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(screenshotDir, `callers-page-2-${width}.png`) })
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
        .toBeLessThanOrEqual(width)
    }
    await below.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(screenshotDir, 'callers-page-2-foot-320.png') })
    await page.setViewportSize({ width: 1280, height: 900 })

    // Act: callers of the third page filtered for from the second
    const filter = page.getByLabel('Filter by name, id or scope')
    await filter.fill('bulk-5')

    // Assess: all of them, from the first
    await expect
      .poll(async () => (await callersShown()).map(nameOf))
      .toEqual(['bulk-5', ...Array.from({ length: 10 }, (_, i) => `bulk-5${i}`)])
    expect(
      listed.indexOf(await callersShown().then((shown) => shown[1] as string)),
    ).toBeGreaterThan(2 * cardsPerPage)

    // Act: a filter of three pages, its second page, then the filter changed
    const bulk = listed.filter((clientId) => nameOf(clientId)?.startsWith('bulk-'))
    await filter.fill('bulk')
    await top.getByRole('button', { name: 'Next' }).click()
    await expect.poll(callersShown).toEqual(bulk.slice(cardsPerPage, 2 * cardsPerPage))
    await filter.fill('bulk-')

    // Assess: its first page again
    await expect.poll(callersShown).toEqual(bulk.slice(0, cardsPerPage))
    await expect(count.textContent()).resolves.toBe(
      `${bulk.length} of ${listed.length} callers, showing 1 to 24`,
    )
    await expect(top.getByText('Page 1 of 3').isVisible()).resolves.toBe(true)
  })

  it('keeps the page shown through a change to a caller on it, and shows a caller created on its page', async () => {
    // Prepare: the Callers on their second page
    await openedAnew('Callers')
    await callersRead()
    const listed = await everyCallerListed()
    await openedAnew('Callers')
    await callersRead()
    const top = callersPager()
    await top.getByRole('button', { name: 'Next' }).click()
    await expect.poll(callersShown).toEqual(listed.slice(cardsPerPage, 2 * cardsPerPage))
    const secondPage = listed.slice(cardsPerPage, 2 * cardsPerPage)
    const [changed, rotated, deleted] = secondPage.slice(1, 4) as [string, string, string]
    const card = (clientId: string) => page.locator(`[data-client="${clientId}"]`)
    const hasFocus = (clientId: string) =>
      card(clientId)
        .locator('h2')
        .evaluate((heading) => heading === document.activeElement)

    // Act: a caller's scopes changed
    await card(changed).getByRole('button', { name: 'Change scopes' }).click()
    await card(changed).getByRole('checkbox', { name: 'tasks:read', exact: true }).check()
    await card(changed).getByRole('button', { name: 'Save scopes' }).click()

    // Assess: the same page, the card as changed
    await expect
      .poll(() => card(changed).locator('dt:text-is("Scopes") + dd').textContent())
      .toBe('weather:invoke, tasks:read')
    expect(await callersShown()).toEqual(secondPage)

    // Act: another's secret rotated, and stored
    await card(rotated)
      .getByRole('button', { name: `Rotate secret of caller ${rotated}` })
      .click()
    await page.getByLabel(`Type ${rotated} to confirm`).fill(rotated)
    await page.getByRole('button', { name: `Rotate secret of ${rotated}`, exact: true }).click()
    await page.getByRole('button', { name: 'I have stored it' }).click()

    // Assess: the same page, the focus at its card
    await expect.poll(() => hasFocus(rotated)).toBe(true)
    expect(await callersShown()).toEqual(secondPage)

    // Act: a third deleted
    await card(deleted)
      .getByRole('button', { name: `Delete caller ${deleted}` })
      .click()
    await page.getByLabel(`Type ${deleted} to confirm`).fill(deleted)
    await page.getByRole('button', { name: `Delete ${deleted}`, exact: true }).click()

    // Assess: the same page, the next caller in its place
    const left = listed.filter((clientId) => clientId !== deleted)
    await expect.poll(callersShown).toEqual(left.slice(cardsPerPage, 2 * cardsPerPage))
    await expect(page.getByTestId('callers-count').textContent()).resolves.toBe(
      `Showing 25 to 48 of ${left.length} callers`,
    )

    // Act: a caller created from the first page, named to be listed last
    await top.getByRole('button', { name: 'Previous' }).click()
    const newCaller = page.getByRole('form', { name: 'New caller' })
    const create = async (name: string) => {
      await newCaller.getByLabel('Name').fill(name)
      await newCaller.getByRole('checkbox', { name: 'weather:invoke', exact: true }).check()
      await newCaller.getByRole('button', { name: 'Create caller' }).click()
      return (await page
        .getByRole('region', { name: 'New client secret' })
        .locator('code')
        .textContent()) as string
    }
    const last = await create('zz-listed-last')

    // Assess: its page shown, and "I have stored it" takes the focus to its card
    await card(last).waitFor()
    await expect(top.getByText('Page 3 of 3').isVisible()).resolves.toBe(true)
    await expect(callersShown().then((shown) => shown.at(-1))).resolves.toBe(last)
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await expect.poll(() => hasFocus(last)).toBe(true)

    // Act: one created while the filter leaves it out
    const filter = page.getByLabel('Filter by name, id or scope')
    await filter.fill('bulk-1')
    const filteredOut = await create('aa-filtered-out')

    // Assess: the filter emptied, its page (the first) shown
    await card(filteredOut).waitFor()
    await expect(filter.inputValue()).resolves.toBe('')
    await expect(top.getByText('Page 1 of 3').isVisible()).resolves.toBe(true)
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await expect.poll(() => hasFocus(filteredOut)).toBe(true)
  })

  it('says how many callers there are, and after a change reads again only the caller changed, not every page of them', async () => {
    // Prepare: the callers of the test before (more than a page), every read of them watched
    await openedAnew('Callers')
    await callersRead()
    const count = (await everyCallerListed()).length
    await openedAnew('Callers')
    await callersRead()
    const heading = page.getByRole('heading', { level: 1 })
    await expect(heading.textContent()).resolves.toBe(`Callers ${count} callers`)
    await mkdir(screenshotDir, { recursive: true })
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 900 })
      await page.screenshot({ path: join(screenshotDir, `callers-count-${width}.png`) })
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    const reads: string[] = []
    const watch = (request: Request) => {
      const url = new URL(request.url())
      if (request.method() === 'GET' && url.pathname.startsWith('/admin/clients')) {
        reads.push(`${url.pathname}${url.search}`)
      }
    }
    page.on('request', watch)
    try {
      const card = page.locator('[data-client]', { hasText: 'bulk-0' }).first()
      const clientId = (await card.getAttribute('data-client')) as string

      // Act: its scopes changed
      await card.getByRole('button', { name: 'Change scopes' }).click()
      await card.getByRole('checkbox', { name: 'calculator:invoke', exact: true }).check()
      await card.getByRole('button', { name: 'Save scopes' }).click()

      // Assess: the card as the gateway answered, no list read again
      await expect
        .poll(() => card.locator('dt:text-is("Scopes") + dd').textContent())
        .toBe('weather:invoke, calculator:invoke')
      expect(reads).toEqual([])

      // Act: it is deleted
      await card.getByRole('button', { name: `Delete caller ${clientId}` }).click()
      await page.getByLabel(`Type ${clientId} to confirm`).fill(clientId)
      await page.getByRole('button', { name: `Delete ${clientId}` }).click()

      // Assess: gone, counted, and still no list read again
      await page.locator(`[data-client="${clientId}"]`).waitFor({ state: 'detached' })
      await expect(heading.textContent()).resolves.toBe(`Callers ${count - 1} callers`)
      await expect(page.getByTestId('callers-count').textContent()).resolves.toBe(
        `Showing 1 to 24 of ${count - 1} callers`,
      )
      expect(reads).toEqual([])
    } finally {
      page.off('request', watch)
    }
  })

  it('shows callers created on the page where a fresh read of the page shows them, counted the same', async () => {
    // Prepare: the callers of the tests before (more than a page)
    await openedAnew('Callers')
    await callersRead()
    const newCaller = page.getByRole('form', { name: 'New caller' })
    const heading = page.getByRole('heading', { level: 1 })

    // Act: three created (each id random: all three sorting last, in turn, is a chance of
    // about one in a million)
    for (const name of ['made-here-1', 'made-here-2', 'made-here-3']) {
      await newCaller.getByLabel('Name').fill(name)
      await newCaller.getByRole('checkbox', { name: 'weather:invoke', exact: true }).check()
      await newCaller.getByRole('button', { name: 'Create caller' }).click()
      await page.getByRole('button', { name: 'I have stored it' }).click()
      await page.locator('[data-client]', { hasText: name }).waitFor()
    }
    const afterCreating = {
      order: await everyCallerListed(),
      heading: await heading.textContent(),
    }
    // A fresh read: by way of another page (the console's sign-in lasts as long as the page)
    await page.getByRole('link', { name: 'Permissions' }).click()
    await page.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
    await page.getByRole('link', { name: 'Callers' }).click()
    await callersRead()

    // Assess: as a fresh read shows them (they were added at the end, wherever their ids sort)
    expect(afterCreating).toEqual({
      order: await everyCallerListed(),
      heading: await heading.textContent(),
    })
  })

  it('shows the callers it read, and says the rest could not be, when a later page of them fails', async () => {
    // Prepare: every page after the first refused, as Cognito's rate refuses one (the callers
    // of the test before: more than a page)
    const later = /\/admin\/clients\?.*cursor=/
    await page.route(later, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'https://switchboard.dev/problems/identity-provider-busy',
          title: 'Service Unavailable',
          status: 503,
          detail:
            'Cognito is throttling the admin API (Rate exceeded); nothing was changed. Retry shortly.',
        }),
      }),
    )
    try {
      // Act
      await openedAnew('Callers')
      await page.getByRole('heading', { level: 1, name: 'Callers' }).waitFor()
      await callersRead()

      // Assess: the first page's callers, and the rest said unread, and why
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'Callers at least 60 callers',
      )
      await expect(everyCallerListed().then((listed) => listed.length)).resolves.toBe(60)
      await expect(page.getByRole('alert').first().textContent()).resolves.toBe(
        'Problem: Only the first 60 callers could be read: Service Unavailable: Cognito is throttling the admin API (Rate exceeded); nothing was changed. Retry shortly.',
      )
    } finally {
      await page.unroute(later)
    }
  })
})
