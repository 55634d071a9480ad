import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { matchRoute } from '../../lib/routes.ts'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { consoleDistDir } from '../../scripts/build-console.ts'
import { adminCaller } from '../support/admin-api.ts'
import {
  launchChromium,
  password,
  personToken,
  shoot,
  signIn,
  tryItReady,
} from '../support/browser.ts'
import { startCardServer, validCard } from '../support/card-server.ts'

/** The audit API (issue 19 item 4) and the callers API (issue 18) land on other branches. */
const auditApiExists = matchRoute('GET', '/admin/audit')?.route.handler === 'admin'
const callersApiExists = matchRoute('GET', '/admin/clients')?.route.handler === 'admin'

// A real browser on a shared machine: each test's steps get room beyond vitest's 20 s default.
describe('operator console in Chromium, against the local stack', { timeout: 60_000 }, () => {
  let stack: RunningStack
  let browser: Browser
  let page: Page
  let echo: Awaited<ReturnType<typeof startCardServer>>
  /** The console's files, built once for the run (test/support/console-build.ts). */
  const built = { files: inject('consoleFiles') }
  /** What the browser reported as broken on the operator's page: CSP refusals, uncaught errors. */
  const problems: string[] = []

  beforeAll(async () => {
    // As Terraform marks its own clients (MANAGED_CLIENT_IDS): read by the handlers the stack imports.
    process.env.MANAGED_CLIENT_IDS = 'admin-client'
    // Routes by meaning: the offline model, not the hashing embedder the test run sets.
    stack = await startThrowawayStack({ embedder: 'local' })
    echo = await startCardServer()
    echo.serve(validCard(echo.url))
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) {
        problems.push(message.text())
      }
    })
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
    await signIn(page, stack.url, 'operator')
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await echo?.stop()
    await stack?.stop()
    delete process.env.MANAGED_CLIENT_IDS
  })

  // A test that fails under load once in a while (the notes' console flake) says what the page
  // showed then: its notices and alerts on stderr, and a screenshot (.screenshots/failed-*).
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      if (!page) return
      const said = await page
        .locator('[data-testid="notice"], [role="alert"]')
        .allTextContents()
        .catch((error: Error) => [`(unreadable: ${error.message})`])
      const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
      await shoot(page, `failed-${name}`).catch(() => undefined)
      console.error(
        `console test failed: "${task.name}"; the operator's page was at ${page.url()} and said: ${said.join(' | ') || 'nothing'}`,
      )
    })
  })

  const go = async (hash: string, heading: string) => {
    await page.goto(`${stack.url}/console/${hash}`)
    await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  }
  const notice = () => page.getByTestId('notice').first()

  it('serves its page, script and style through the gateway as the text they are, as API Gateway passes a buffered answer without binary media types', async () => {
    // Prepare: what the build wrote, the page with its base ('' locally) filled in.
    const source = async (file: string) => readFile(join(consoleDistDir, file), 'utf8')
    const page = (await source('index.html')).replaceAll('{base}', '')
    const expected: Record<string, string> = { '/console': page, '/console/index.html': page }
    for (const file of built.files.filter((name) => /\.(js|css)$/.test(name))) {
      expected[`/console/${file}`] = await source(file)
    }
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(4)

    // Act: as a browser asks, and as a script loader does.
    const answers = await Promise.all(
      Object.keys(expected).flatMap((path) =>
        ['text/html,application/xhtml+xml,image/avif,*/*;q=0.8', '*/*'].map(async (accept) => {
          const response = await fetch(`${stack.url}${path}`, { headers: { accept } })
          return [
            path,
            response.status,
            response.headers.get('cache-control'),
            await response.text(),
          ]
        }),
      ),
    )

    // Assess
    for (const [path, status, cache, body] of answers) {
      expect(status, String(path)).toBe(200)
      expect(body, String(path)).toBe(expected[String(path)])
      if (!/\.(js|css)$/.test(String(path))) expect(cache, String(path)).toBe('no-cache')
    }
  })

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
    await page.getByText('closest first').waitFor()

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
      await tryItReady(page, 'calculator')
      await page.getByLabel('Binding').selectOption(binding)

      // Act
      await page.getByLabel('Message').fill('What is 15% of 80?')
      await page.getByRole('button', { name: 'Send' }).click()

      // Assess: this turn (the conversation keeps the earlier ones), streamed event by event
      const turn = page.getByTestId('conversation').locator('.turn').last()
      await turn.getByText(/Stream ended/).waitFor()
      await expect(turn.locator('.question').textContent()).resolves.toContain(`(${binding})`)
      expect(await turn.locator('.event').count()).toBeGreaterThan(1)
      await expect(turn.getByTestId('answer-text').textContent()).resolves.toMatch(/\b12\b/)
      await expect(turn.locator('.badge').last().textContent()).resolves.toBe('completed')
      await shoot(page, 'try-it')
    },
  )

  /** The person's own list of agents (`GET /agents`), which Try it offers; not the admin list. */
  const peoplesList = (url: URL) => url.pathname === '/agents'

  /** The person's list of agents failing: the gateway down a moment. */
  const listFails = (route: Route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/problem+json',
      body: JSON.stringify({ title: 'Service Unavailable', status: 503, detail: 'down' }),
    })

  /**
   * Holds the person's list of agents (`GET /agents`) until `release`, then answers it as
   * `answer` does (passes it on by default): held until the test says, not for a time, as on a
   * busy machine a timer could end first.
   */
  const holdPeoplesList = async (
    answer: (route: Route) => Promise<void> = (route) => route.continue(),
  ) => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.route(peoplesList, async (route) => {
      await held
      await answer(route)
    })
    return release
  }

  it('try-it sends a message sent before the list of agents has loaded once it has, saying it waits for the list', async () => {
    // Prepare: the list answers late (a slow network, a busy machine). Send said to choose an
    // agent from the list though the address had, then that the list was still loading, and
    // the message was lost unless sent again.
    const release = await holdPeoplesList()
    try {
      // From another page: Try it, shown already, would keep the list it has
      await go('#/', 'Fleet')
      await go('#/try/calculator', 'Try it')
      await page.getByLabel('Message').fill('What is 15% of 80?')

      // Act
      await page.getByRole('button', { name: 'Send' }).click()
      const early = (await notice().textContent()) ?? ''
      const turnsWhileLoading = await page.getByTestId('conversation').locator('.turn').count()
      release()

      // Assess: sent once the list came, to the agent the address chose, with no second Send
      expect(early).toContain('still loading')
      expect(turnsWhileLoading).toBe(0)
      const turn = page.getByTestId('conversation').locator('.turn').last()
      await turn.getByText(/Stream ended/).waitFor()
      await expect(turn.textContent()).resolves.toContain('calculator')
      await expect(turn.getByTestId('answer-text').textContent()).resolves.toMatch(/\b12\b/)
    } finally {
      release()
      await page.unroute(peoplesList)
    }
  })

  /**
   * Try it on a page of its own whose clock the test holds, its list of agents held until the
   * clock is paused, so that the person chooses after the list shows and before the page's
   * effects run (a frame later: a quick hand, or a script, gets there first). `beforeList` runs
   * while the list is held. `choose` picks the last agent listed (not the first, which the page
   * would choose itself) and lets the frame pass.
   */
  const quickTryIt = async (beforeList: (quick: Page) => Promise<void> = async () => {}) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const quick = await context.newPage()
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const close = async () => {
      release()
      await context.close()
    }
    try {
      await quick.clock.install()
      await signIn(quick, stack.url, 'operator')
      await quick.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor()
      await quick.route(peoplesList, async (route) => {
        await held
        await route.continue()
      })
      await quick.evaluate(() => {
        location.hash = '#/try'
      })
      await quick.getByRole('heading', { level: 1, name: 'Try it' }).waitFor()
      await beforeList(quick)
      await quick.clock.pauseAt((await quick.evaluate(() => Date.now())) + 1_000)
      release()
      const agent = quick.getByLabel('Agent')
      const options = agent.locator('option')
      await expect.poll(() => options.count()).toBeGreaterThan(2)
      const listed = await options.evaluateAll((all) =>
        all.map((option) => (option as HTMLOptionElement).value),
      )
      const chosen = listed.filter((value) => value !== '(route)').at(-1) as string
      expect(chosen).not.toBe(listed[0])
      const choose = async () => {
        await agent.selectOption(chosen)
        await quick.clock.runFor(1_000)
      }
      return { quick, agent, chosen, choose, close }
    } catch (error) {
      await close()
      throw error
    }
  }

  it('try-it keeps the agent a person chooses the moment the list shows, not the first of the list a frame later', async () => {
    // Prepare
    const { quick, agent, chosen, choose, close } = await quickTryIt()
    try {
      // Act: the person's choice, then the frame
      await choose()

      // Assess
      await expect.poll(() => agent.inputValue()).toBe(chosen)
      await quick.clock.runFor(1_000)
      await expect(agent.inputValue()).resolves.toBe(chosen)
    } finally {
      await close()
    }
  })

  it('try-it sends a message sent before the list came to the agent the person chooses the moment it shows', async () => {
    // Prepare: the message sent while the list is held, with no agent in the address
    const { quick, agent, chosen, choose, close } = await quickTryIt(async (quick) => {
      await quick.getByLabel('Message').fill('What is 15% of 80?')
      await quick.getByRole('button', { name: 'Send' }).click()
      await quick
        .getByTestId('notice')
        .getByText(/still loading/)
        .waitFor()
    })
    try {
      // Act: the person's choice, then the frame
      await choose()

      // Assess: the message went to the agent shown chosen
      const question = quick.getByTestId('conversation').locator('.turn .question').last()
      await expect.poll(() => question.textContent()).toContain(`You → ${chosen} `)
      await expect(agent.inputValue()).resolves.toBe(chosen)
    } finally {
      await close()
    }
  })

  it('try-it keeps a message sent before the list of agents has loaded unsent when the list then fails, and says so', async () => {
    // Prepare: the list answers late, and then with a failure
    const release = await holdPeoplesList(listFails)
    try {
      await go('#/', 'Fleet')
      await go('#/try/calculator', 'Try it')
      await page.getByLabel('Message').fill('What is 15% of 80?')
      await page.getByRole('button', { name: 'Send' }).click()
      await notice()
        .getByText(/still loading/)
        .waitFor()

      // Act
      release()

      // Assess: told it could not be listed; nothing sent, the message still in its box
      await notice()
        .getByText(/could not be listed/)
        .waitFor()
      await expect(page.getByTestId('conversation').locator('.turn').count()).resolves.toBe(0)
      await expect(page.getByLabel('Message').inputValue()).resolves.toBe('What is 15% of 80?')
    } finally {
      release()
      await page.unroute(peoplesList)
    }
  })

  it('try-it says a message sent when the list of agents could not be loaded that it could not, not that it is still loading', async () => {
    // Prepare: the person's list of agents fails (the gateway down a moment, a network error)
    await page.route(peoplesList, listFails)
    try {
      await go('#/', 'Fleet')
      await go('#/try/calculator', 'Try it')
      await notice().waitFor()
      await page.getByLabel('Message').fill('What is 15% of 80?')

      // Act
      await page.getByRole('button', { name: 'Send' }).click()

      // Assess: until a review of the 29th session, "still loading" for a list that never would
      const said = (await notice().textContent()) ?? ''
      expect(said).not.toContain('still loading')
      expect(said).toContain('could not be listed')
      await expect(page.getByTestId('conversation').locator('.turn').count()).resolves.toBe(0)
    } finally {
      await page.unroute(peoplesList)
    }
  })

  it('route mode shows the candidates with scores and which agent answered', async () => {
    // Prepare
    await go('#/try', 'Try it')
    await page.getByLabel('Agent').selectOption('(route)')

    // Act
    await page.getByLabel('Message').fill('What is 15% of 80?')
    await page.getByRole('button', { name: 'Send' }).click()

    // Assess
    const turn = page.getByTestId('conversation').locator('.turn').last()
    await expect(turn.getByTestId('answered-by').textContent()).resolves.toBe('calculator')
    await turn.getByText(/Candidates:.*calculator \(0\.\d+\)/).waitFor()
    await turn.getByText(/Stream ended/).waitFor()
    await expect(turn.getByTestId('answer-text').textContent()).resolves.toMatch(/\b12\b/)
  })

  it('route mode says a refused message in words, and speaks of no stream it never opened', async () => {
    // Prepare
    await go('#/try', 'Try it')
    await page.getByLabel('Agent').selectOption('(route)')

    // Act
    await page.getByLabel('Message').fill('book a meeting room for Tuesday')
    await page.getByRole('button', { name: 'Send' }).click()

    // Assess
    const turn = page.getByTestId('conversation').locator('.turn').last()
    await turn.getByText(/No agent matches this message confidently/).waitFor()
    expect(await turn.getByText(/Stream ended/).count()).toBe(0)
  })

  it('keeps every field a browser fills at once, as autofill does', async () => {
    // Prepare
    await go('#/register', 'Register an agent')

    // Act: two fields given their values and their input events in one task
    await page.evaluate(() => {
      for (const [id, value] of [
        ['agentId', 'autofilled'],
        ['backendUrl', 'https://agent.example.com'],
      ]) {
        const input = document.getElementById(id as string) as HTMLInputElement
        input.value = value as string
        input.dispatchEvent(new Event('input', { bubbles: true }))
      }
    })

    // Assess: after the page has rendered them
    await expect
      .poll(() => page.getByLabel('Backend URL').inputValue())
      .toBe('https://agent.example.com')
    await expect(page.getByLabel('Agent id').inputValue()).resolves.toBe('autofilled')
    await page.getByLabel('Agent id').fill('')
    await page.getByLabel('Backend URL').fill('')
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
    await expect.poll(() => notice().textContent()).toContain('echo registered')
    // A new agent is granted to no one (README, *Register another agent*): said where it is made.
    await expect(notice().textContent()).resolves.toContain(
      'No caller reaches echo until a permission grants it: add it to a scope in Permissions.',
    )
    const admin = await stack.token('admin-client')
    const record = await fetch(`${stack.url}/admin/agents/echo`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(record.status).toBe(200)
  })

  it('grants the new agent in Permissions under a new scope, which the form defines first with its description', async () => {
    // Prepare
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).click()
    await page.getByLabel('Scope', { exact: true }).fill('echo:invoke')
    await page.getByRole('checkbox', { name: 'echo' }).check()

    // Act: no description for the scope the form must define
    await page.getByRole('button', { name: 'Add permission' }).click()

    // Assess: said beside the description, nothing sent
    const describeField = page.locator('.field', { has: page.locator('#scopeDescription') })
    await expect(describeField.getByRole('alert').textContent()).resolves.toContain(
      'must say what echo:invoke is for',
    )
    await shoot(page, 'permissions-new-scope')

    // Act: described by keyboard, from the scope field
    await page.getByLabel('Scope', { exact: true }).focus()
    await page.keyboard.press('Tab')
    await page.keyboard.type('Call the echo agent')
    await page.keyboard.press('Enter')

    // Assess
    await expect.poll(() => notice().textContent()).toContain('echo:invoke added')
    await expect(notice().textContent()).resolves.toContain('The scope echo:invoke is now defined')
    const card = page.locator('[data-scope="echo:invoke"]')
    await card.getByText('Call the echo agent').waitFor()
    const admin = await stack.token('admin-client')
    const scopes = await fetch(`${stack.url}/admin/scopes`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect((await scopes.json()).scopes).toContainEqual({
      scope: 'echo:invoke',
      description: 'Call the echo agent',
    })
    await shoot(page, 'permissions')
  })

  it('a scope the page believed defined but the gateway does not know: its 422 is said beside the scope field, and the form defines it', async () => {
    // Prepare: the page lists scope stale:invoke, then it goes away behind its back
    const admin = await stack.token('admin-client')
    const asAdmin = (method: string, path: string, body?: unknown) =>
      fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    expect(
      (await asAdmin('PUT', '/admin/scopes/stale:invoke', { description: 'old' })).status,
    ).toBe(201)
    await go('#/activity', 'Activity')
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).click()
    await page
      .locator('#defined-scopes option[value="stale:invoke"]')
      .waitFor({ state: 'attached' })
    await page.getByLabel('Scope', { exact: true }).fill('stale:invoke')
    await page.getByRole('checkbox', { name: 'calculator' }).check()
    expect(await page.locator('#scopeDescription').count()).toBe(0)
    expect((await asAdmin('DELETE', '/admin/scopes/stale:invoke')).status).toBe(204)

    // Act
    await page.getByRole('button', { name: 'Add permission' }).click()

    // Assess: the gateway's words beside the scope, and a way to define it
    const scopeField = page.locator('.field', { has: page.locator('#scope') })
    await expect(scopeField.getByRole('alert').textContent()).resolves.toContain(
      "No scope 'stale:invoke' is defined",
    )

    // Act: define it from the form
    await page
      .getByLabel('Description of the new scope stale:invoke')
      .fill('Call the calculator, again')
    await page.getByRole('button', { name: 'Add permission' }).click()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('stale:invoke added')
    const { permissions } = await (await asAdmin('GET', '/admin/permissions')).json()
    expect(permissions).toContainEqual(
      expect.objectContaining({ scope: 'stale:invoke', agents: ['calculator'] }),
    )
  })

  it('deactivates the new agent from its page, and says so', async () => {
    // Prepare
    await go('#/agents/echo', 'Echo Agent active')

    // Act
    await page.getByRole('button', { name: 'Deactivate' }).click()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('echo is now inactive')
    await page.getByRole('heading', { level: 1, name: 'Echo Agent inactive' }).waitFor()
    // Its vectors left the index with the deactivation (README, *Finding agents*): the Fleet
    // says it is not searched, where it said "indexed".
    await go('#/fleet', 'Fleet')
    await expect
      .poll(() => page.locator('[data-agent="echo"]').textContent())
      .toContain('not searched (inactive)')
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
          outcome: item.getAttribute('data-outcome'),
          actor: item.querySelector('[data-testid="actor"]')?.textContent,
        })),
      )
      const ours = seen.filter((entry) => entry.target === 'echo' || entry.target === 'echo:invoke')
      expect(ours.map((entry) => entry.action)).toEqual([
        // The deactivation: a PATCH, which the audit may name agent.update.
        expect.stringMatching(/^agent\.(patch|update)$/),
        'permission.put',
        // The scope the Permissions form defined before granting it.
        'scope.put',
        'agent.register',
      ])
      expect(new Set(ours.map((entry) => entry.actor))).toEqual(new Set(['operator']))
      expect(new Set(ours.map((entry) => entry.outcome))).toEqual(new Set(['applied']))
      await shoot(page, 'activity-live')
    },
  )

  it.runIf(callersApiExists)(
    'Callers: create needs a scope, then shows the secret once with a copy button and a warning; rotate, change scopes and delete say what they did',
    async () => {
      // Prepare
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: stack.url,
      })
      await go('#/callers', 'Callers')
      const newCaller = page.getByRole('form', { name: 'New caller' })
      await newCaller.getByRole('checkbox', { name: 'calculator:invoke' }).waitFor()

      // Act: no scope
      await page.getByRole('form', { name: 'New caller' }).getByLabel('Name').fill('reporting')
      await page.getByRole('button', { name: 'Create caller' }).click()

      // Assess: said beside the scopes, nothing sent
      await expect(newCaller.getByRole('alert').textContent()).resolves.toBe(
        'must hold at least one scope',
      )

      // Act: with one
      await newCaller.getByRole('checkbox', { name: 'calculator:invoke' }).check()
      await page.getByRole('button', { name: 'Create caller' }).click()

      // Assess: shown once, copyable, with the warning; the secret gets a token
      const secret = await page.getByTestId('client-secret').inputValue()
      expect(secret).not.toBe('')
      const clientId = (await page
        .getByRole('region', { name: 'New client secret' })
        .locator('code')
        .textContent()) as string
      await page.getByText(`the only time the secret of ${clientId} is shown`).waitFor()
      await page.getByRole('button', { name: 'Copy' }).click()
      await page.getByText('Copied to the clipboard.').waitFor()
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(secret)
      const tokenWith = (clientSecret: string) =>
        fetch(`${stack.url}/oauth2/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        })
      expect((await tokenWith(secret)).status).toBe(200)
      await shoot(page, 'callers')
      await page.getByRole('button', { name: 'I have stored it' }).click()
      expect(await page.getByTestId('client-secret').count()).toBe(0)

      // Act: rotate, which takes the caller down until it has the new secret: confirmed first
      const reporting = page.locator(`[data-client="${clientId}"]`)
      await reporting.getByRole('button', { name: 'Rotate secret' }).click()
      const confirmRotate = page.getByRole('alertdialog')
      await expect(confirmRotate.textContent()).resolves.toContain('The old secret stops working')
      expect((await tokenWith(secret)).status).toBe(200)
      await confirmRotate.getByRole('textbox').fill(clientId)
      await confirmRotate.getByRole('button', { name: `Rotate secret of ${clientId}` }).click()

      // Assess: a new secret, shown once; the old one no longer gets a token
      await expect.poll(() => page.getByTestId('client-secret').inputValue()).not.toBe(secret)
      const rotated = await page.getByTestId('client-secret').inputValue()
      expect((await tokenWith(rotated)).status).toBe(200)
      expect((await tokenWith(secret)).status).not.toBe(200)
      await page.getByRole('button', { name: 'I have stored it' }).click()

      // Act: change scopes
      await reporting.getByRole('button', { name: 'Change scopes' }).click()
      await reporting.getByRole('checkbox', { name: 'weather:invoke' }).check()
      await reporting.getByRole('button', { name: 'Save scopes' }).click()

      // Assess
      await page
        .getByText(`scopes of ${clientId} are now calculator:invoke, weather:invoke`)
        .waitFor()
      const admin = await stack.token('admin-client')
      const record = await fetch(`${stack.url}/admin/clients/${clientId}`, {
        headers: { authorization: `Bearer ${admin}` },
      })
      expect((await record.json()).scopes.sort()).toEqual(['calculator:invoke', 'weather:invoke'])

      // Act: delete
      await reporting.getByRole('button', { name: 'Delete' }).click()
      await page.getByLabel(`Type ${clientId} to confirm`).fill(clientId)
      await page.getByRole('button', { name: `Delete ${clientId}` }).click()

      // Assess
      await page.getByText(`caller ${clientId} deleted`).waitFor()
      expect((await tokenWith(rotated)).status).not.toBe(200)
    },
  )

  it.runIf(callersApiExists)(
    'Callers: a client Terraform manages is marked and offers no change, rotation or delete, only a revocation of its tokens',
    async () => {
      // Act
      await go('#/callers', 'Callers')
      const managed = page.locator('[data-client="admin-client"]')
      await managed.getByText('managed by Terraform').waitFor()

      // Assess: the refused actions are not offered; another caller still has them
      expect(await managed.getByRole('button').allTextContents()).toEqual(['Revoke tokens'])
      await managed.getByText('Terraform owns this caller: change it there, not here.').waitFor()
      const demo = page.locator('[data-client="demo-client"]')
      await demo.getByRole('button', { name: 'Rotate secret' }).waitFor()
    },
  )

  it.runIf(callersApiExists)(
    "Callers: revoking a client's tokens asks first saying what it does, then says until when; its old token is refused a second later, a new one works",
    async () => {
      // Prepare: a seeded caller's token, served
      const listAgents = (token: string) =>
        fetch(`${stack.url}/agents`, { headers: { authorization: `Bearer ${token}` } })
      const old = await stack.token('weather-client')
      expect((await listAgents(old)).status).toBe(200)
      await go('#/callers', 'Callers')
      const weather = page.locator('[data-client="weather-client"]')
      await weather.getByRole('button', { name: 'Revoke tokens' }).click()
      const confirm = page.getByRole('alertdialog')
      const revoke = confirm.getByRole('button', { name: 'Revoke tokens of weather-client' })

      // Assess: the confirmation says what happens, and waits for the id
      await expect(confirm.textContent()).resolves.toContain(
        'Revoke the tokens of weather-client (weather-client)? Every token this client holds stops working within a second; its secret stays the same, so it can get a new token.',
      )
      await expect(confirm.textContent()).resolves.not.toContain('signs every operator out')
      expect(await revoke.isDisabled()).toBe(true)
      await shoot(page, 'callers-revoke-confirm')

      // Act
      await confirm.getByLabel('Type weather-client to confirm').fill('weather-client')
      await revoke.click()

      // Assess: said, with the time in the browser's words; the old token refused a second later
      await expect
        .poll(() => notice().textContent())
        .toMatch(
          /^Done: tokens of weather-client issued before \d{1,2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} are refused; a new token works$/,
        )
      expect(await page.getByRole('alertdialog').count()).toBe(0)
      await new Promise((resolve) => setTimeout(resolve, 1001))
      const refused = await listAgents(old)
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ title: 'Token revoked' })
      expect((await listAgents(await stack.token('weather-client'))).status).toBe(200)
      await shoot(page, 'callers-revoked')
    },
  )

  it.runIf(callersApiExists)(
    "Callers' scopes: defines one, changes its description, refuses to delete one in use naming its user, deletes one unused",
    async () => {
      // Prepare
      await go('#/callers', 'Callers')
      const newScope = page.getByRole('form', { name: 'New scope' })

      // Act: define
      await newScope.getByLabel('Scope').fill('reports:read')
      await newScope.getByLabel('What it is for').fill('Read reports')
      await newScope.getByRole('button', { name: 'Define scope' }).click()

      // Assess
      await expect.poll(() => notice().textContent()).toContain('scope reports:read defined')
      const reports = page.locator('[data-scope="reports:read"]')
      await reports.getByText('Read reports').waitFor()

      // Act: its description
      await reports.getByRole('button', { name: 'Edit description' }).click()
      await reports.getByRole('textbox', { name: 'Description' }).fill('Read the monthly reports')
      await reports.getByRole('button', { name: 'Save description' }).click()

      // Assess
      await expect.poll(() => notice().textContent()).toContain('description of reports:read saved')
      await reports.getByText('Read the monthly reports').waitFor()

      // Act: delete one a permission uses
      const inUse = page.locator('[data-scope="echo:invoke"]')
      await inUse.getByRole('button', { name: 'Delete scope' }).click()
      await page.getByLabel('Type echo:invoke to confirm').fill('echo:invoke')
      await page.getByRole('button', { name: 'Delete echo:invoke' }).click()

      // Assess: refused, in words naming the permission
      await expect(inUse.getByRole('alert').textContent()).resolves.toContain(
        "Scope 'echo:invoke' is still used by the permission 'echo:invoke'",
      )
      expect(await page.locator('[data-scope="echo:invoke"]').count()).toBe(1)
      await shoot(page, 'callers-scopes')

      // Act: delete the unused one
      await reports.getByRole('button', { name: 'Delete scope' }).click()
      await page.getByLabel('Type reports:read to confirm').fill('reports:read')
      await page.getByRole('button', { name: 'Delete reports:read' }).click()

      // Assess
      await expect.poll(() => notice().textContent()).toContain('scope reports:read deleted')
      await expect.poll(() => reports.count()).toBe(0)

      // Assess: the admin scope, which the gateway keeps, is offered for no delete
      const admin = page.locator('[data-scope="admin"]')
      await admin.getByText('The admin scope is kept').waitFor()
      expect(await admin.getByRole('button', { name: 'Delete scope' }).count()).toBe(0)
    },
  )

  it('edits an agent from its page: the form comes filled in, every auth type has its fields, and the change is saved', async () => {
    // Prepare
    await go('#/agents/echo', 'Echo Agent inactive')
    await page.getByRole('link', { name: 'Edit' }).click()
    await page.getByRole('heading', { level: 1, name: 'Edit echo' }).waitFor()
    await expect.poll(() => page.getByLabel('Backend URL').inputValue()).toBe(echo.url)
    for (const [type, field] of [
      ['api_key', 'Header name'],
      ['aws_iam', 'Region'],
      ['oauth2_client_credentials', 'Token URL'],
    ]) {
      await page.getByLabel('Backend authentication').selectOption(type as string)
      await page.getByLabel(field as string).waitFor()
    }
    await page.getByLabel('Backend authentication').selectOption('none')

    // Act
    await page.getByLabel('Who may read its card').selectOption('public')
    await page.getByRole('button', { name: 'Save changes' }).click()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('echo updated')
    const admin = await stack.token('admin-client')
    const record = await fetch(`${stack.url}/admin/agents/echo`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(await record.json()).toMatchObject({ cardVisibility: 'public', status: 'inactive' })
  })

  it('editing an agent keeps its routing examples and its stored key unless they are changed', async () => {
    // Prepare: an agent with a stored key and routing examples, registered through the API
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'keyed',
      backendUrl: echo.url,
      agentCardUrl: echo.cardUrl,
      auth: { type: 'api_key', headerName: 'X-API-Key', apiKey: 'stored-key-1' },
      routingExamples: ['echo my words back', 'say it again'],
    })
    expect(registered.status).toBe(201)
    const before = await (await adminCall('GET', '/admin/agents/keyed')).json()

    // Act: only the timeout changed on the form
    await page.goto(`${stack.url}/console/#/register/keyed`)
    await page.getByRole('heading', { level: 1, name: 'Edit keyed' }).waitFor()
    await expect
      .poll(() => page.getByLabel('Routing examples (optional, one a line)').inputValue())
      .toBe('echo my words back\nsay it again')
    await page.getByLabel('Timeout (ms, optional)').fill('20000')
    await page.getByRole('button', { name: 'Save changes' }).click()

    // Assess: saved, with the examples and the same stored secret
    await expect.poll(() => notice().textContent()).toContain('keyed updated')
    const after = await (await adminCall('GET', '/admin/agents/keyed')).json()
    expect(after).toMatchObject({
      timeoutMs: 20000,
      routingExamples: ['echo my words back', 'say it again'],
      auth: { type: 'api_key', secretArn: before.auth.secretArn },
    })
    expect((await adminCall('DELETE', '/admin/agents/keyed')).status).toBe(204)
  })

  it('saves nothing over another admin’s change made since the page showed the agent, says so, and shows that change', async () => {
    // Prepare: the operator has the agent's page and its edit form open
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'contested',
      backendUrl: echo.url,
      agentCardUrl: echo.cardUrl,
    })
    expect(registered.status).toBe(201)
    await go('#/agents/contested', 'Echo Agent active')

    // Act: another admin changes it; the operator deactivates it from the page as it was
    await adminCall('PATCH', '/admin/agents/contested', { cardVisibility: 'public' })
    await page.getByRole('button', { name: 'Deactivate' }).click()

    // Assess: refused in words, the other change kept and now shown, the agent still active
    await expect.poll(() => notice().textContent()).toContain('Someone else changed this')
    await expect
      .poll(() => page.getByTestId('config').textContent())
      .toContain('"cardVisibility": "public"')
    await shoot(page, 'agent-changed-meanwhile')
    expect(await (await adminCall('GET', '/admin/agents/contested')).json()).toMatchObject({
      status: 'active',
      cardVisibility: 'public',
    })

    // Act: on the page as it is now, the deactivation is made
    await page.getByRole('button', { name: 'Deactivate' }).click()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('contested is now inactive')

    // Act: the edit form, filled in; another admin's change lands before it is saved
    await page.goto(`${stack.url}/console/#/register/contested`)
    await page.getByRole('heading', { level: 1, name: 'Edit contested' }).waitFor()
    await expect.poll(() => page.getByLabel('Backend URL').inputValue()).toBe(echo.url)
    await adminCall('PATCH', '/admin/agents/contested', { cardVisibility: 'granted' })
    await page.getByLabel('Timeout (ms, optional)').fill('15000')
    await page.getByRole('button', { name: 'Save changes' }).click()

    // Assess: nothing saved over it, and what was typed is still there
    await expect.poll(() => notice().textContent()).toContain('Someone else changed this')
    const kept = await (await adminCall('GET', '/admin/agents/contested')).json()
    expect(kept).toMatchObject({ cardVisibility: 'granted', status: 'inactive' })
    expect(kept.timeoutMs).toBeUndefined()
    expect(await page.getByLabel('Timeout (ms, optional)').inputValue()).toBe('15000')
    expect((await adminCall('DELETE', '/admin/agents/contested')).status).toBe(204)
  })

  it('saves and removes no permission over another admin’s change made since the page showed it, says so, and shows that change', async () => {
    // Prepare: the operator has the permission's form open
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    await adminCall('PUT', '/admin/scopes/contested:invoke', { description: 'for the test' })
    const granted = await adminCall('PUT', '/admin/permissions/contested:invoke', {
      agents: ['calculator'],
    })
    expect(granted.status).toBe(200)
    await go('#/permissions', 'Permissions')
    const card = page.locator('[data-scope="contested:invoke"]')
    await card.getByRole('button', { name: 'Edit' }).click()
    await card.getByLabel("Requests per minute (empty: the gateway's default)").fill('9')

    // Act: another admin's change lands before it is saved
    await adminCall('PUT', '/admin/permissions/contested:invoke', {
      agents: ['calculator'],
      requestsPerMinute: 7,
    })
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: refused in words, nothing saved over it, what was typed still there
    const said = () => card.getByTestId('notice').first().textContent()
    await expect.poll(said).toContain('Someone else changed this')
    await expect(said()).resolves.toContain('Cancel to see the permission as it is now')
    await shoot(page, 'permission-changed-meanwhile')
    const read = async () => {
      const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
      return permissions.find(({ scope }: { scope: string }) => scope === 'contested:invoke')
    }
    expect(await read()).toMatchObject({ requestsPerMinute: 7 })
    expect(
      await card.getByLabel("Requests per minute (empty: the gateway's default)").inputValue(),
    ).toBe('9')

    // Act: saved again from the same form, still over the version it was filled from
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: refused again (the form never showed the other change)
    await expect.poll(async () => (await read()).requestsPerMinute).toBe(7)

    // Act: Cancel shows the other change; another change lands; Remove on the page as it was
    await card.getByRole('button', { name: 'Cancel' }).click()
    await card.getByText('7/min').waitFor()
    await adminCall('PUT', '/admin/permissions/contested:invoke', {
      agents: ['calculator'],
      requestsPerMinute: 8,
    })
    await card.getByRole('button', { name: 'Remove' }).click()
    await card.getByLabel('Type contested:invoke to confirm').fill('contested:invoke')
    await card.getByRole('button', { name: 'Remove contested:invoke' }).click()

    // Assess: not removed, said in words, the permission shown as it is now
    await expect.poll(() => notice().textContent()).toContain('Someone else changed this')
    await card.getByText('8/min').waitFor()
    expect(await read()).toMatchObject({ requestsPerMinute: 8 })

    // Act: removed on the page as it is now
    await card.getByRole('button', { name: 'Remove' }).click()
    await card.getByLabel('Type contested:invoke to confirm').fill('contested:invoke')
    await card.getByRole('button', { name: 'Remove contested:invoke' }).click()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('contested:invoke removed')
    expect(await read()).toBeUndefined()
  })

  it('adds no permission over one another admin added for the scope since the page showed none, and says so', async () => {
    // Prepare: the Add form filled in for a defined scope with no permission
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    await adminCall('PUT', '/admin/scopes/raced:invoke', { description: 'for the test' })
    await go('#/', 'Fleet')
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).click()
    await page
      .locator('#defined-scopes option[value="raced:invoke"]')
      .waitFor({ state: 'attached' })
    await page.getByLabel('Scope', { exact: true }).fill('raced:invoke')
    await page.getByRole('checkbox', { name: 'calculator' }).check()

    // Act: another admin adds one first
    const theirs = await adminCall('PUT', '/admin/permissions/raced:invoke', {
      agents: ['weather'],
    })
    await page.getByRole('button', { name: 'Add permission' }).click()

    // Assess: refused in words, theirs kept
    await expect.poll(() => notice().textContent()).toContain('Someone else added this')
    await shoot(page, 'permission-added-meanwhile')
    const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
    expect(theirs.status).toBe(200)
    expect(
      permissions.find(({ scope }: { scope: string }) => scope === 'raced:invoke'),
    ).toMatchObject({ agents: ['weather'] })
    expect((await adminCall('DELETE', '/admin/permissions/raced:invoke')).status).toBe(204)
  })

  it('defines anew a permission another admin removed only if nobody added it back meanwhile: theirs is kept, and said so', async () => {
    // Prepare: the form open, the permission removed by another admin, the Save refused for it
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    await adminCall('PUT', '/admin/scopes/returning:invoke', { description: 'for the test' })
    await adminCall('PUT', '/admin/permissions/returning:invoke', { agents: ['calculator'] })
    await go('#/', 'Fleet')
    await go('#/permissions', 'Permissions')
    const card = page.locator('[data-scope="returning:invoke"]')
    await card.getByRole('button', { name: 'Edit' }).click()
    await card.getByLabel("Requests per minute (empty: the gateway's default)").fill('9')
    expect((await adminCall('DELETE', '/admin/permissions/returning:invoke')).status).toBe(204)
    await card.getByRole('button', { name: 'Save' }).click()
    const said = () => card.getByTestId('notice').first().textContent()
    await expect.poll(said).toContain('Save again to define it anew')

    // Act: another admin adds it back, then the operator saves again
    const theirs = await adminCall('PUT', '/admin/permissions/returning:invoke', {
      agents: ['weather'],
    })
    expect(theirs.status).toBeLessThan(300)
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: theirs kept (it was written over, unseen), and refused in words
    await expect.poll(said).toContain('Someone else added this')
    const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
    expect(
      permissions.find(({ scope }: { scope: string }) => scope === 'returning:invoke'),
    ).toMatchObject({ agents: ['weather'] })
    expect((await adminCall('DELETE', '/admin/permissions/returning:invoke')).status).toBe(204)
  })

  it('keeps a permission’s form, what was typed and the refusal on the page when another admin removed the permission since, and defines it again only when saved once more', async () => {
    // Prepare: the operator has the permission's form open, a limit typed
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    await adminCall('PUT', '/admin/scopes/vanishing:invoke', { description: 'for the test' })
    const granted = await adminCall('PUT', '/admin/permissions/vanishing:invoke', {
      agents: ['calculator'],
    })
    expect(granted.status).toBe(200)
    // By way of another page: the list is read as the page opens, not at a same-page address.
    await go('#/', 'Fleet')
    await go('#/permissions', 'Permissions')
    const card = page.locator('[data-scope="vanishing:invoke"]')
    const limit = card.getByLabel("Requests per minute (empty: the gateway's default)")
    await card.getByRole('button', { name: 'Edit' }).click()
    await limit.fill('9')

    // Act: another admin removes the permission before it is saved
    expect((await adminCall('DELETE', '/admin/permissions/vanishing:invoke')).status).toBe(204)
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: said in words, nothing defined, the form and what was typed still there
    const said = () => card.getByTestId('notice').first().textContent()
    await expect.poll(said).toContain('Someone else removed this')
    await shoot(page, 'permission-removed-meanwhile')
    expect(await said()).toContain('Save again to define it anew')
    expect(await limit.inputValue()).toBe('9')
    const read = async () => {
      const { permissions } = await (await adminCall('GET', '/admin/permissions')).json()
      return permissions.find(({ scope }: { scope: string }) => scope === 'vanishing:invoke')
    }
    expect(await read()).toBeUndefined()

    // Act: saved once more, the operator having read that it was removed
    await card.getByRole('button', { name: 'Save' }).click()

    // Assess: defined again with what was typed, and said so whole: nothing of it was there to
    // change (said as a change to the removed one, it was "saved: limit now 9/min")
    await expect
      .poll(() => notice().textContent())
      .toBe('Done: vanishing:invoke added: it grants calculator.')
    expect(await read()).toMatchObject({ agents: ['calculator'], requestsPerMinute: 9 })
    expect((await adminCall('DELETE', '/admin/permissions/vanishing:invoke')).status).toBe(204)
  })

  it('makes a second change right after its first on the agent as the first left it, never refused as someone else’s', async () => {
    // Prepare: the agent's page open; the page's next read of the agent held back
    const admin = await stack.token('admin-client')
    const registered = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'twice', backendUrl: echo.url, agentCardUrl: echo.cardUrl }),
    })
    expect(registered.status).toBe(201)
    await go('#/agents/twice', 'Echo Agent active')
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const agentPath = `${stack.url}/admin/agents/twice`
    await page.route(agentPath, async (route) => {
      if (route.request().method() === 'GET') await held
      await route.continue()
    })
    try {
      // Act: the card synced; while the page reads the agent again, the next action
      await page.getByRole('button', { name: 'Sync card' }).click()
      await expect.poll(() => notice().textContent()).toContain('card of twice read again')
      const deactivate = page.getByRole('button', { name: 'Deactivate' })
      const offeredOnThePageBefore = !(await deactivate.isDisabled())
      release()
      await deactivate.click()

      // Assess: offered once the page shows the agent as the sync left it, and made
      await expect.poll(() => notice().textContent()).toContain('twice is now inactive')
      expect(offeredOnThePageBefore).toBe(false)
    } finally {
      release()
      await page.unroute(agentPath)
    }
  })

  it('finishes from its page a delete that stopped half-way, on a second click', async () => {
    // Prepare: an agent with a stored key, its page open; the local secrets file unreadable, so
    // its delete stops at the secrets (the agent then `deleting`)
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'half-deleted',
      backendUrl: echo.url,
      agentCardUrl: echo.cardUrl,
      auth: { type: 'api_key', headerName: 'X-API-Key', apiKey: 'half-deleted-key' },
    })
    expect(registered.status).toBe(201)
    await go('#/agents/half-deleted', 'Echo Agent active')
    const secretsFile = join(stack.stateDir, 'secrets.json')
    const secrets = await readFile(secretsFile, 'utf8')
    const deleteFromPage = async () => {
      await page.getByRole('button', { name: 'Delete', exact: true }).click()
      await page.getByLabel(/Type half-deleted/).fill('half-deleted')
      await page.getByRole('button', { name: 'Delete half-deleted' }).click()
    }
    await writeFile(secretsFile, '{')
    try {
      await deleteFromPage()
      await expect.poll(() => notice().textContent()).toContain('only partly deleted')
    } finally {
      await writeFile(secretsFile, secrets)
    }

    // Act: the person deletes it again, as the page says to
    await deleteFromPage()

    // Assess
    await expect.poll(() => notice().textContent()).toContain('half-deleted deleted')
    expect((await adminCall('GET', '/admin/agents/half-deleted')).status).toBe(404)
  })

  it.each([
    ['#/try/..%2Fadmin%2Fclients%2Fdemo-client%2Frotate-secret%3F', 'Try it'],
    ['#/agents/..%2Fclients%2Fdemo-client', 'the agent page'],
    ['#/register/..%2Fagents%2Fweather', 'the edit form'],
  ])(
    'a crafted address (%s) names no agent on %s, and reaches nothing else on the gateway',
    async (hash) => {
      // Prepare: what the browser asks of the gateway from here on
      const asked: string[] = []
      const listen = (request: { url: () => string; method: () => string }) =>
        asked.push(`${request.method()} ${new URL(request.url()).pathname}`)
      page.on('request', listen)

      try {
        // Act
        await page.goto(`${stack.url}/console/${hash}`)
        await page.getByRole('heading', { level: 1, name: 'No such agent' }).waitFor()

        // Assess
        await expect(page.getByRole('alert').textContent()).resolves.toContain('no agent id')
        expect(asked.filter((line) => /\/admin\/clients|\/rotate-secret/.test(line))).toEqual([])
      } finally {
        page.off('request', listen)
      }
    },
  )

  it('an agent cannot pass for another: its id beside a name it borrowed, its control characters shown as such', async () => {
    // Prepare: an agent whose card calls itself Weather, and hides a bidi override
    const impostor = await startCardServer()
    impostor.serve({
      ...validCard(impostor.url),
      name: 'Weather',
      description: '\u202Eevil\u202C forecasts',
    })
    const admin = await stack.token('admin-client')
    const registered = await fetch(`${stack.url}/admin/register`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agentId: 'impostor',
        backendUrl: impostor.url,
        agentCardUrl: impostor.cardUrl,
      }),
    })
    expect(registered.status).toBe(201)

    try {
      // Act: the fleet read again (opened anew), with the new agent in it
      await go('#/register', 'Register an agent')
      await go('#/fleet', 'Fleet')
      const heading = page.locator('[data-agent="impostor"] h2')
      await heading.waitFor()
      const named = await heading.textContent()
      await shoot(page, 'fleet-impostor')
      await go('#/agents/impostor', 'Weather active')

      // Assess
      expect(named).toBe('Weather impostor')
      const description = await page.locator('section p', { hasText: 'forecasts' }).textContent()
      expect(description).toBe('\uFFFDevil\uFFFD forecasts')
    } finally {
      await fetch(`${stack.url}/admin/agents/impostor`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${admin}` },
      })
      await impostor.stop()
    }
  })

  it('opens route mode from its address, and an address with a lone % names no agent without breaking the console', async () => {
    // Act
    await go('#/try/(route)', 'Try it')
    await expect.poll(() => page.locator('#try-agent').inputValue()).toBe('(route)')
    await page.goto(`${stack.url}/console/#/agents/%`)

    // Assess
    await page.getByRole('heading', { level: 1, name: 'No such agent' }).waitFor()
  })

  it('says beside the routing examples what the gateway would refuse in them, before sending', async () => {
    // Prepare
    await go('#/register', 'Register an agent')
    await page.getByLabel('Agent id').fill('wordy')
    await page.getByLabel('Backend URL').fill(echo.url)
    await page.getByLabel('Agent card URL').fill(echo.cardUrl)

    // Act
    await page
      .getByLabel('Routing examples (optional, one a line)')
      .fill(`a fine phrase\n\n${'x'.repeat(501)}`)
    await page.getByRole('button', { name: 'Register' }).click()

    // Assess
    const field = page.locator('.field', { has: page.locator('#routingExamples') })
    await expect(field.getByRole('alert').textContent()).resolves.toBe(
      'line 3 must be at most 500 characters',
    )
    await shoot(page, 'register-routing-examples')
  })

  it('signs out through the identity provider’s logout, which ends its session too, back to the sign-in', async () => {
    // Prepare: a person of their own, signed in
    const context = await browser.newContext()
    const person = await context.newPage()
    const asked: string[] = []
    person.on('request', (request) => asked.push(request.url()))
    try {
      await signIn(person, stack.url, 'operator')

      // Act
      await person.getByRole('button', { name: 'Sign out' }).click()

      // Assess: the logout named the console's client and its own address, and came back
      await person.getByRole('button', { name: 'Sign in' }).waitFor()
      const logout = new URL(asked.find((url) => url.includes('/logout')) as string)
      expect(Object.fromEntries(logout.searchParams)).toEqual({
        client_id: expect.any(String),
        logout_uri: `${stack.url}/console`,
      })
      expect(person.url()).toBe(`${stack.url}/console`)
    } finally {
      await context.close()
    }
  })

  it('a crafted sign-in callback shows none of its words, only that this sign-in was not started here', async () => {
    // Prepare: a page of its own, signed out, as a person following a link
    const context = await browser.newContext()
    const visitor = await context.newPage()
    try {
      // Act
      await visitor.goto(
        `${stack.url}/console/callback?error=access_denied&error_description=${encodeURIComponent('your account was locked: re-verify at https://phish.example')}`,
      )

      // Assess
      const alert = visitor.getByRole('alert')
      await expect.poll(() => alert.textContent()).toContain('state mismatch')
      expect(await visitor.content()).not.toContain('phish.example')
    } finally {
      await context.close()
    }
  })

  it('Try it sends only to an agent of its list, whatever id the address preselects', async () => {
    // Prepare: an id of the right form, but no agent this operator may call
    await go('#/try/not-mine', 'Try it')

    // Act
    await expect
      .poll(() => notice().textContent())
      .toContain('not-mine is no agent you may call here')

    // Assess: the list's own agent is chosen instead
    expect(await page.locator('#try-agent').inputValue()).not.toBe('not-mine')
  })

  it('deletes an agent only once its id is typed in the confirmation that names it', async () => {
    // Prepare
    await go('#/agents/echo', 'Echo Agent inactive')
    await page.getByRole('button', { name: 'Delete', exact: true }).click()
    const confirm = page.getByRole('alertdialog')
    const deleteEcho = confirm.getByRole('button', { name: 'Delete echo' })

    // Act: by keyboard, from the confirmation's focused field
    await expect(confirm.textContent()).resolves.toContain('Delete agent echo?')
    expect(await deleteEcho.isDisabled()).toBe(true)
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('confirm-input')
    await page.keyboard.type('echo')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')

    // Assess
    await expect.poll(() => notice().textContent()).toContain('echo deleted')
    const admin = await stack.token('admin-client')
    const record = await fetch(`${stack.url}/admin/agents/echo`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    expect(record.status).toBe(404)
  })

  it('a page the address names opens, and keeps what is typed into it, however late the browser paints', async () => {
    // Prepare: the browser's timers and frames stopped from before the console starts, as on a
    // machine too busy to paint for a while (Preact runs a component's effects after a paint).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const early = await context.newPage()
    try {
      await early.clock.install()
      await early.goto(`${stack.url}/console`)
      await early.getByRole('button', { name: 'Sign in' }).click()
      await early.getByLabel('Username').fill('operator')
      await early.getByLabel('Password').fill(password('operator'))
      await early.clock.pauseAt((await early.evaluate(() => Date.now())) + 1_000)
      await early.getByRole('button', { name: 'Sign in' }).click()
      await early.getByTestId('signed-in-as').waitFor()

      // Act: another page by its address at once, and a field filled as soon as it shows
      await early.goto(`${stack.url}/console/#/register`)
      await early.getByRole('heading', { level: 1, name: 'Register an agent' }).waitFor()
      await early.getByLabel('Agent id').fill('typed-at-once')
      await early.clock.runFor(2_000)

      // Assess
      expect(await early.getByLabel('Agent id').inputValue()).toBe('typed-at-once')
    } finally {
      await context.close()
    }
  })

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

  it('broke no rule of its Content-Security-Policy and threw nothing, on any page the operator used', () => {
    // Assess
    expect(problems).toEqual([])
  })

  describe('answers this flow does not bring (an older page of activity, a refused token), served by a stand-in in the browser', () => {
    /** A signed-in operator page whose calls to `paths` a test answers itself. */
    const fakedPage = async (
      answer: (method: string, url: URL, body: unknown) => { status: number; json?: unknown },
      paths: RegExp | ((url: URL) => boolean) = /\/admin\/audit/,
    ) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const calls: { method: string; url: URL; body: unknown }[] = []
      await context.route(paths, async (route) => {
        const request = route.request()
        const url = new URL(request.url())
        const body = request.postData() ? JSON.parse(request.postData() as string) : undefined
        calls.push({ method: request.method(), url, body })
        const { status, json } = answer(request.method(), url, body)
        await route.fulfill({
          status,
          contentType: 'application/json',
          ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        })
      })
      const faked = await context.newPage()
      await signIn(faked, stack.url, 'operator')
      return { faked, calls, close: () => context.close() }
    }

    it('Activity: newest first, filtered by agent and actor, older pages by cursor, each change as before/after', async () => {
      // Prepare
      const entry = (
        id: string,
        action: string,
        target: string,
        before: unknown,
        after: unknown,
      ) => ({
        id,
        at: `2026-12-04T21:0${id}:00.000Z`,
        action,
        actor: 'operator',
        clientId: 'switchboard-console',
        target,
        agentId: 'echo',
        requestId: `request-${id}`,
        outcome: 'applied',
        before,
        after,
      })
      const { faked, calls, close } = await fakedPage((_method, url) =>
        url.searchParams.get('cursor') === 'page-2'
          ? {
              status: 200,
              json: {
                entries: [
                  entry('1', 'agent.register', 'echo', null, {
                    agentId: 'echo',
                    auth: { type: 'api_key', secretArn: '[redacted]' },
                  }),
                ],
              },
            }
          : {
              status: 200,
              json: {
                entries: [
                  entry('3', 'agent.patch', 'echo', { status: 'active' }, { status: 'inactive' }),
                  entry('2', 'permission.put', 'echo:invoke', null, {
                    scope: 'echo:invoke',
                    agents: ['echo'],
                  }),
                ],
                cursor: 'page-2',
              },
            },
      )

      // Act
      await faked.goto(`${stack.url}/console/#/activity`)
      const entries = faked.getByTestId('activity').locator('li')
      await entries.first().waitFor()
      await entries.first().getByText('What changed').click()

      // Assess: in the order given (newest first), with actor and the diff
      expect(
        await entries.evaluateAll((items) => items.map((item) => item.getAttribute('data-action'))),
      ).toEqual(['agent.patch', 'permission.put'])
      const row = entries.first().getByRole('row', { name: /status/ })
      expect(await row.locator('td').allTextContents()).toEqual(['"active"', '"inactive"'])
      await shoot(faked, 'activity')

      // Act: filter, then the older page
      await faked.getByLabel('Agent').fill('echo')
      await faked.getByLabel('Actor').fill('operator')
      await faked.getByRole('button', { name: 'Filter' }).click()
      await faked.getByRole('button', { name: 'Older' }).click()
      await faked.locator('[data-action="agent.register"]').waitFor()

      // Assess
      const queries = calls.map((call) => Object.fromEntries(call.url.searchParams))
      expect(queries).toContainEqual({ limit: '25', agentId: 'echo', actor: 'operator' })
      expect(queries).toContainEqual({
        limit: '25',
        agentId: 'echo',
        actor: 'operator',
        cursor: 'page-2',
      })
      await close()
    })

    it.runIf(callersApiExists)(
      "Callers: revoking the console's own client warns that it signs every operator out, and the page's next call, refused, signs the person out as an expired session does",
      async () => {
        // Prepare: the console's client listed as on AWS (locally it is no admin API client);
        // once revoked, the gateway refuses this page's token
        let revoked = false
        const { faked, calls, close } = await fakedPage(
          (method, url) => {
            if (method === 'POST') {
              revoked = true
              return {
                status: 200,
                json: {
                  clientId: 'switchboard-console',
                  tokensIssuedBefore: new Date(Date.now() + 1000).toISOString(),
                },
              }
            }
            if (revoked) {
              return {
                status: 401,
                json: { type: `${url.origin}/problems/token-revoked`, title: 'Token revoked' },
              }
            }
            return {
              status: 200,
              json: {
                clients: [
                  {
                    clientId: 'switchboard-console',
                    name: 'console',
                    scopes: [],
                    managedBy: 'terraform',
                  },
                ],
              },
            }
          },
          (url) => url.pathname.startsWith('/admin/clients'),
        )
        await faked.goto(`${stack.url}/console/#/callers`)
        const own = faked.locator('[data-client="switchboard-console"]')
        await own.getByRole('button', { name: 'Revoke tokens' }).click()
        const confirm = faked.getByRole('alertdialog')

        // Assess: the warning
        await expect(confirm.textContent()).resolves.toContain(
          "This is the console's own client: it signs every operator out, you included",
        )
        await shoot(faked, 'callers-revoke-console-confirm')

        // Act
        await confirm.getByLabel('Type switchboard-console to confirm').fill('switchboard-console')
        await confirm.getByRole('button', { name: 'Revoke tokens of switchboard-console' }).click()

        // Assess: revoked, then signed out as an expired session is
        await faked.getByText('Your session has expired: sign in again.').waitFor()
        await faked.getByRole('button', { name: 'Sign in' }).waitFor()
        expect(calls.map(({ method, url }) => `${method} ${url.pathname}`)).toContainEqual(
          'POST /admin/clients/switchboard-console/revoke-tokens',
        )
        await close()
      },
    )

    it.runIf(callersApiExists)(
      'Callers: a caller whose tokens the gateway refuses (the stack accepts only those it lists) is marked when made and listed, saying how to let it in',
      async () => {
        // Prepare: the gateway as on AWS with restrict_client_ids, where a new client is not listed
        const billing = { clientId: 'billing-app', name: 'billing', scopes: ['weather:invoke'] }
        let created = false
        const { faked, close } = await fakedPage(
          (method) => {
            if (method === 'POST') {
              created = true
              return {
                status: 201,
                json: { ...billing, clientSecret: 'shown-once', tokensRefused: true },
              }
            }
            return {
              status: 200,
              json: { clients: created ? [{ ...billing, tokensRefused: true }] : [] },
            }
          },
          (url) => url.pathname === '/admin/clients',
        )
        await faked.goto(`${stack.url}/console/#/callers`)
        await faked.getByRole('heading', { level: 1, name: 'Callers' }).waitFor()

        // Act
        await faked.getByRole('form', { name: 'New caller' }).getByLabel('Name').fill('billing')
        await faked.getByRole('checkbox', { name: /weather:invoke/ }).check()
        await faked.getByRole('button', { name: 'Create caller' }).click()

        // Assess
        await faked
          .getByText(
            'caller billing created, but the gateway refuses its tokens until billing-app is added to extra_allowed_client_ids',
          )
          .waitFor()
        const card = faked.locator('[data-client="billing-app"]')
        await card.getByText('tokens refused').waitFor()
        await expect(card.textContent()).resolves.toContain(
          'add billing-app to extra_allowed_client_ids and apply for its tokens to work',
        )
        await shoot(faked, 'callers-tokens-refused')
        await close()
      },
    )

    /** A scope change made, then its old tokens' revocation failed: the gateway's 503. */
    const tokensNotRevoked = {
      status: 503,
      json: {
        type: 'https://switchboard.dev/problems/tokens-not-revoked',
        title: 'Tokens not revoked',
        detail: 'The change was made, but its tokens could not be revoked.',
      },
    }

    it('Callers: a change the gateway made but answered with an error (503 tokens-not-revoked) shows in the list at once', async () => {
      // Prepare: the scope change is made, then the old tokens' revocation fails
      const billing = { clientId: 'billing-app', name: 'billing', scopes: ['weather:invoke'] }
      const { faked, close } = await fakedPage(
        (method, url, body) => {
          if (method === 'PATCH') {
            billing.scopes = (body as { scopes: string[] }).scopes
            return tokensNotRevoked
          }
          // The list, or the caller alone as the page reads it again after a change
          const listed = method === 'GET' && url.pathname === '/admin/clients'
          return { status: 200, json: listed ? { clients: [billing] } : billing }
        },
        (url) => url.pathname.startsWith('/admin/clients'),
      )
      await faked.goto(`${stack.url}/console/#/callers`)
      const card = faked.locator('[data-client="billing-app"]')
      await card.getByRole('button', { name: 'Change scopes' }).click()

      // Act
      await card.getByRole('checkbox', { name: 'weather:invoke' }).uncheck()
      await card.getByRole('checkbox', { name: 'calculator:invoke' }).check()
      await card.getByRole('button', { name: 'Save scopes' }).click()

      // Assess: the error said, and the list as the gateway now holds it
      await faked.getByText('The change was made, but its tokens could not be revoked.').waitFor()
      await expect.poll(() => card.textContent()).toContain('calculator:invoke')
      expect(await card.textContent()).not.toContain('weather:invoke')
      await close()
    })

    it('Callers: a change the gateway made but answered with an error, the caller then not read again, says its card may be out of date', async () => {
      // Prepare: the scope change is made, its tokens' revocation fails, and so does the read of
      // the caller alone that would have shown it
      const billing = { clientId: 'billing-app', name: 'billing', scopes: ['weather:invoke'] }
      const busy = {
        status: 503,
        json: {
          type: 'https://switchboard.dev/problems/identity-provider-busy',
          title: 'Service Unavailable',
          detail: 'Cognito is throttling the admin API (Rate exceeded). Retry shortly.',
        },
      }
      const { faked, close } = await fakedPage(
        (method, url, body) => {
          if (method === 'PATCH') {
            billing.scopes = (body as { scopes: string[] }).scopes
            return tokensNotRevoked
          }
          if (url.pathname === '/admin/clients')
            return { status: 200, json: { clients: [billing] } }
          return busy
        },
        (url) => url.pathname.startsWith('/admin/clients'),
      )
      await faked.goto(`${stack.url}/console/#/callers`)
      const card = faked.locator('[data-client="billing-app"]')
      await card.getByRole('button', { name: 'Change scopes' }).click()

      // Act
      await card.getByRole('checkbox', { name: 'calculator:invoke' }).check()
      await card.getByRole('button', { name: 'Save scopes' }).click()

      // Assess: the refusal, and that the card shown may not be what the gateway holds (it said
      // nothing: the card showed weather:invoke alone, the gateway held both)
      await expect
        .poll(() => faked.getByTestId('notice').first().textContent())
        .toBe(
          'Problem: Tokens not revoked: The change was made, but its tokens could not be revoked. billing-app could not be read again (Service Unavailable: Cognito is throttling the admin API (Rate exceeded). Retry shortly.): its card may not show what the gateway now holds; open the page again to see it.',
        )
      await close()
    })

    it('an expired or refused token brings the sign-in back, saying why, and signing in again returns to the console', async () => {
      // Prepare: the gateway refuses the token from now on
      let refuse = false
      const { faked, close } = await fakedPage(
        () => ({ status: 401, json: { message: 'Unauthorized' } }),
        (url) => refuse && url.pathname.startsWith('/admin/'),
      )
      refuse = true

      // Act
      await faked.goto(`${stack.url}/console/#/permissions`)

      // Assess
      await faked.getByText('Your session has expired: sign in again.').waitFor()
      refuse = false
      await faked.getByRole('button', { name: 'Sign in' }).click()
      await faked.getByLabel('Username').fill('operator')
      await faked.getByLabel('Password').fill(password('operator'))
      await faked.getByRole('button', { name: 'Sign in' }).click()
      await faked.getByRole('heading', { level: 1, name: 'Permissions' }).waitFor()
      await close()
    })
  })
})
