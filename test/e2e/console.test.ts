import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { matchRoute } from '../../lib/routes.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { buildConsole } from '../../scripts/build-console.ts'
import { launchChromium, personToken, shoot, signIn } from '../support/browser.ts'
import { startCardServer, validCard } from '../support/card-server.ts'

/** The audit API (issue 19 item 4) and the callers API (issue 18) land on other branches. */
const auditApiExists = matchRoute('GET', '/admin/audit')?.route.handler === 'admin'
const callersApiExists = matchRoute('GET', '/admin/clients')?.route.handler === 'admin'

describe('operator console in Chromium, against the local stack', () => {
  let stack: RunningStack
  let browser: Browser
  let page: Page
  let echo: Awaited<ReturnType<typeof startCardServer>>

  beforeAll(async () => {
    await buildConsole()
    stack = await startThrowawayStack()
    echo = await startCardServer()
    echo.serve(validCard(echo.url))
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await signIn(page, stack.url, 'operator')
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await echo?.stop()
    await stack?.stop()
  })

  const go = async (hash: string, heading: string) => {
    await page.goto(`${stack.url}/console/${hash}`)
    await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  }
  const notice = () => page.getByTestId('notice').first()

  it('signs the local operator in and the fleet shows weather and calculator', async () => {
    // Act
    const fleet = page.getByTestId('fleet')
    await fleet.locator('[data-agent="calculator"]').waitFor()

    // Assess
    await expect(page.getByTestId('signed-in-as').textContent()).resolves.toContain('operator')
    expect(
      await fleet
        .locator('[data-agent]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-agent'))),
    ).toEqual(expect.arrayContaining(['weather', 'calculator']))
    await fleet.locator('[data-agent="weather"]').getByText('card served').waitFor()
    await shoot(page, 'fleet')
  })

  it('searching "percentage of a number" lists the calculator first', async () => {
    // Act
    await page.getByLabel('Search by meaning').fill('percentage of a number')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByText('best first').waitFor()

    // Assess
    const order = await page
      .getByTestId('fleet')
      .locator('[data-agent]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-agent')))
    expect(order[0]).toBe('calculator')
    await shoot(page, 'fleet-search')
  })

  it('the agent page renders the card with its skills and never a secret', async () => {
    // Act
    await go('#/agents/calculator', 'Calculator active')

    // Assess
    await page.getByRole('heading', { name: 'Skills' }).waitFor()
    expect(await page.getByTestId('config').textContent()).toContain('"agentId": "calculator"')
    await shoot(page, 'agent')
  })

  it.each([{ binding: 'HTTP+JSON' }, { binding: 'JSONRPC' }])(
    'try-it sends "What is 15% of 80?" to the calculator over $binding and the streamed answer shows 12',
    async ({ binding }) => {
      // Prepare
      await go('#/try/calculator', 'Try it')
      await page.getByLabel('Binding').selectOption(binding)

      // Act
      await page.getByLabel('Message').fill('What is 15% of 80?')
      await page.getByRole('button', { name: 'Send' }).click()

      // Assess
      const conversation = page.getByTestId('conversation')
      await conversation.getByText(/Stream ended/).waitFor()
      expect(await conversation.locator('.answer').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringMatching(/\b12\b/)]),
      )
      await shoot(page, 'try-it')
    },
  )

  it('route mode shows the candidates with scores and which agent answered', async () => {
    // Prepare
    await go('#/try', 'Try it')
    await page.getByLabel('Agent').selectOption('(route)')

    // Act
    await page.getByLabel('Message').fill('What is 15% of 80?')
    await page.getByRole('button', { name: 'Send' }).click()

    // Assess
    await expect(page.getByTestId('answered-by').textContent()).resolves.toBe('calculator')
    await page.getByText(/Candidates:.*calculator \(0\.\d+\)/).waitFor()
  })

  it('registers a third agent through the form: a bad URL is named beside the URL field, a server refusal beside its field', async () => {
    // Prepare
    await go('#/register', 'Register an agent')
    await page.getByLabel('Agent id').fill('echo')
    await page.getByLabel('Backend URL').fill('not a url')
    await page.getByLabel('Agent card URL').fill(echo.cardUrl)

    // Act: a bad URL
    await page.getByRole('button', { name: 'Register' }).click()

    // Assess: said beside the URL field, before anything is sent
    const urlField = page.locator('.field', { has: page.locator('#backendUrl') })
    await expect(urlField.getByRole('alert').textContent()).resolves.toContain(
      'must be an http(s) URL',
    )
    await shoot(page, 'register-invalid')

    // Act: the server's rule (timeoutMs at least 100), said in its problem+json
    await page.getByLabel('Backend URL').fill(echo.url)
    await page.getByLabel('Timeout (ms, optional)').fill('5')
    await page.getByRole('button', { name: 'Register' }).click()

    // Assess
    const timeoutField = page.locator('.field', { has: page.locator('#timeoutMs') })
    await expect(timeoutField.getByRole('alert').textContent()).resolves.toMatch(/100/)

    // Act: fixed
    await page.getByLabel('Timeout (ms, optional)').fill('')
    await page.getByRole('button', { name: 'Register' }).click()

    // Assess
    await expect(notice().textContent()).resolves.toContain('echo registered')
    const admin = await stack.token('admin-client')
    const record = await fetch(`${stack.url}/admin/agents/echo`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(record.status).toBe(200)
  })

  it('grants the new agent in Permissions', async () => {
    // Prepare
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).click()

    // Act
    await page.getByLabel('Scope').fill('echo:invoke')
    await page.getByRole('checkbox', { name: 'echo' }).check()
    await page.getByRole('button', { name: 'Add permission' }).click()

    // Assess
    await expect(notice().textContent()).resolves.toContain('echo:invoke added')
    await page.locator('[data-scope="echo:invoke"]').waitFor()
    await shoot(page, 'permissions')
  })

  it('deactivates the new agent from its page, and says so', async () => {
    // Prepare
    await go('#/agents/echo', 'Echo Agent active')

    // Act
    await page.getByRole('button', { name: 'Deactivate' }).click()

    // Assess
    await expect(notice().textContent()).resolves.toContain('echo is now inactive')
    await page.getByRole('heading', { level: 1, name: 'Echo Agent inactive' }).waitFor()
  })

  it.runIf(auditApiExists)(
    'Activity lists the three changes, newest first, with their actor',
    async () => {
      // Act
      await go('#/activity', 'Activity')
      const entries = page.getByTestId('activity').locator('li')
      await entries.first().waitFor()

      // Assess
      const seen = await entries.evaluateAll((items) =>
        items.map((item) => ({
          action: item.getAttribute('data-action'),
          target: item.getAttribute('data-target'),
          actor: item.querySelector('[data-testid="actor"]')?.textContent,
        })),
      )
      const ours = seen.filter((entry) => entry.target === 'echo' || entry.target === 'echo:invoke')
      expect(ours.map((entry) => entry.action)).toEqual([
        'agent.patch',
        'permission.put',
        'agent.register',
      ])
      expect(new Set(ours.map((entry) => entry.actor))).toEqual(new Set(['operator']))
      await shoot(page, 'activity')
    },
  )

  it.runIf(callersApiExists)(
    'Callers creates a caller and shows its secret once, with a warning',
    async () => {
      // Prepare
      await go('#/callers', 'Callers')

      // Act
      await page.getByLabel('Name').fill('reporting')
      await page.getByRole('button', { name: 'Create caller' }).click()

      // Assess
      await expect(page.getByTestId('client-secret').inputValue()).resolves.not.toBe('')
      await page.getByText('the only time the secret').waitFor()
      await shoot(page, 'callers')
    },
  )

  it('a person who is not an operator sees neither Register nor Permissions, and the API refuses them', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const casey = await context.newPage()

    // Act
    await signIn(casey, stack.url, 'casey')
    await casey.getByTestId('fleet').locator('[data-agent="calculator"]').waitFor()

    // Assess: the pages are not offered, nor shown when asked for
    const navigation = casey.getByRole('navigation', { name: 'Console pages' })
    expect(await navigation.getByRole('link').allTextContents()).toEqual(['Fleet', 'Try it'])
    expect(
      await casey
        .getByTestId('fleet')
        .locator('[data-agent]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-agent'))),
    ).toEqual(['calculator'])
    await shoot(casey, 'fleet-person')
    for (const hash of ['#/register', '#/permissions']) {
      await casey.goto(`${stack.url}/console/${hash}`)
      await casey.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor()
    }
    // ...and the API refuses them the admin routes
    const token = await personToken(stack.url, 'casey')
    for (const [method, path] of [
      ['GET', '/admin/agents'],
      ['GET', '/admin/permissions'],
      ['POST', '/admin/register'],
    ] as const) {
      const response = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      })
      expect(response.status, `${method} ${path}`).toBe(403)
    }
    await context.close()
  })
})
