import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { adminCaller } from '../support/admin-api.ts'
import { launchChromium, shoot, signIn, tryItReady } from '../support/browser.ts'
import { startCardServer, validCard } from '../support/card-server.ts'
import { startScriptedAgent } from '../support/scripted-agent.ts'

/**
 * The operator console against the people it does not trust: an agent whose answers are written
 * to mislead the operator trying it, and a browser another person uses after the operator signed
 * out. (test/e2e/console.test.ts holds the console's own flows.)
 */
describe('operator console, attacked', { timeout: 60_000 }, () => {
  let stack: RunningStack
  let browser: Browser
  let hostile: Awaited<ReturnType<typeof startScriptedAgent>>
  let cards: Awaited<ReturnType<typeof startCardServer>>
  /** The hostile agent's streams opened and held, and those their caller let go of. */
  let [held, released] = [0, 0]

  beforeAll(async () => {
    stack = await startThrowawayStack()
    browser = await launchChromium()
    // Streams an answer that reads backwards past U+202E, then fails in an error event whose
    // data is not A2A 1.0's `{ error }` (0.3's HTTP+JSON shape): only the event's name says so.
    hostile = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: async (_request, body, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' })
        if (body.includes('hold on')) {
          // A stream it keeps open, sending nothing more: held until the caller lets go.
          held += 1
          response.on('close', () => {
            released += 1
          })
          response.write(
            `data: ${JSON.stringify({ statusUpdate: { taskId: 't2', contextId: 'c2', status: { state: 'TASK_STATE_WORKING' } } })}\n\n`,
          )
          return
        }
        const update = (text: string) =>
          `data: ${JSON.stringify({ artifactUpdate: { taskId: 't3', contextId: 'c3', append: true, artifact: { artifactId: 'a1', parts: [{ text }] } } })}`
        if (body.includes('count to 600')) {
          // Six hundred events: the page keeps the last ones, and the whole answer.
          for (let at = 1; at <= 600; at++) response.write(`${update(`${at} `)}\n\n`)
          response.end(
            `data: ${JSON.stringify({ statusUpdate: { taskId: 't3', contextId: 'c3', status: { state: 'TASK_STATE_COMPLETED' } } })}\n\n`,
          )
          return
        }
        if (body.includes('garbled')) {
          // Data that is no JSON, which reads backwards past U+202E ('$1000').
          response.end('data: \u202E0001$\u202C\n\n')
          return
        }
        if (body.includes('crlf')) {
          // Lines ended by CRLF (as sse-starlette, under a2a-python, writes them), the blank line
          // ending the first event split between two writes: \r in one, \n in the next.
          response.write(`${update('first ')}\r\n\r`)
          await new Promise((resolve) => setTimeout(resolve, 100))
          response.write('\n')
          response.end(`${update('second')}\r\n\r\n`)
          return
        }
        const status = {
          state: 'TASK_STATE_WORKING',
          message: {
            messageId: 'm1',
            role: 'ROLE_AGENT',
            parts: [{ text: 'Refund of \u202E0001$\u202C sent' }],
          },
        }
        response.write(
          `data: ${JSON.stringify({ statusUpdate: { taskId: 't1', contextId: 'c1', status } })}\n\n`,
        )
        response.end(
          `event: error\ndata: ${JSON.stringify({ code: 500, message: 'the agent failed' })}\n\n`,
        )
      },
    })
    const admin = await stack.token('admin-client')
    const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
    const registered = await adminCall('POST', '/admin/register', {
      agentId: 'hostile',
      backendUrl: hostile.url,
      agentCardUrl: hostile.cardUrl,
    })
    expect(registered.status).toBe(201)
    // A card whose version and bindings read backwards past U+202E, into the page's own words.
    cards = await startCardServer()
    const card = validCard(cards.url)
    cards.serve({
      ...card,
      version: '1.0\u202E',
      supportedInterfaces: [
        // The gateway keeps an interface's URL on the agent's own origin as the card wrote it.
        { ...card.supportedInterfaces[0], url: `${cards.url}/a2a/\u202Ecprnosj` },
        { url: `${cards.url}/x`, protocolBinding: 'GRPC\u202E', protocolVersion: '1.0' },
      ],
    })
    const backwards = await adminCall('POST', '/admin/register', {
      agentId: 'backwards',
      backendUrl: cards.url,
      agentCardUrl: cards.cardUrl,
    })
    expect(backwards.status).toBe(201)
    // The local operator holds calculator:invoke: the agent is theirs to try.
    const granted = await adminCall('PUT', '/admin/permissions/calculator:invoke', {
      agents: ['calculator', 'hostile'],
    })
    expect(granted.status).toBe(200)
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await hostile?.stop()
    await cards?.stop()
    await stack?.stop()
  })

  /** A page of a browser context of its own, signed in as the operator. */
  const operatorPage = async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, stack.url, 'operator')
    } catch (error) {
      await context.close()
      throw error
    }
    return { context, page }
  }
  /** Runs `act` on an operator's page of its own, closed after however `act` ends. */
  const asOperator = async (act: (page: Page) => Promise<void>) => {
    const { context, page } = await operatorPage()
    try {
      await act(page)
    } finally {
      await context.close()
    }
  }
  /** Sends `message` to the hostile agent from Try it, once its list of agents has loaded. */
  const sendToHostile = async (page: Page, message: string) => {
    await page.goto(`${stack.url}/console/#/try/hostile`)
    await page.getByRole('heading', { level: 1, name: 'Try it' }).waitFor()
    await tryItReady(page, 'hostile')
    await page.getByLabel('Message').fill(message)
    await page.getByRole('button', { name: 'Send' }).click()
  }
  const tryHostile = async (message = 'refund my order') => {
    const { context, page } = await operatorPage()
    await sendToHostile(page, message)
    const turn = page.getByTestId('conversation').locator('.turn').last()
    // Done: the stream ended, or it failed before any event (then only its problem is said)
    await turn
      .getByText(/Stream ended/)
      .or(turn.getByRole('alert'))
      .first()
      .waitFor()
    return { context, page, turn }
  }

  it('Try it shows an agent’s bidirectional controls as \uFFFD, so its answer cannot read as another', async () => {
    // Act
    const { context, page, turn } = await tryHostile()
    try {
      // Assess
      const said = (await turn.locator('.event').first().locator('.answer').textContent()) ?? ''
      expect(said).toBe('Refund of \uFFFD0001$\uFFFD sent')
      await shoot(page, 'try-it-hostile')
    } finally {
      await context.close()
    }
  })

  it('Try it lists the last 200 events of a long stream, says how many it left out, and keeps the whole answer', async () => {
    // Act
    const { context, page, turn } = await tryHostile('count to 600')
    try {
      // Assess: 30,000 events, each kept and listed again, froze the tab for some 10 s
      await expect(turn.locator('.event').count()).resolves.toBe(200)
      await expect(turn.getByTestId('events-left-out').textContent()).resolves.toContain(
        '401 earlier events are not listed',
      )
      await expect(turn.getByTestId('answer-text').textContent()).resolves.toMatch(
        /^1 2 3 .* 600 $/,
      )
      await expect(turn.getByText(/Stream ended/).textContent()).resolves.toBe(
        'Stream ended after 601 events; task completed.',
      )
      await shoot(page, 'try-it-long-stream')
    } finally {
      await context.close()
    }
  })

  it('Try it shows the gateway’s refusal of an agent’s data that is no JSON, never the data', async () => {
    // Act
    const { context, turn } = await tryHostile('garbled')
    try {
      // Assess: the gateway withholds an event no JSON reader takes alike (rule 5), so the data,
      // which reads backwards past U+202E, never reaches the page
      const said = (await turn.textContent()) ?? ''
      expect(said).toContain('something that is not JSON; the gateway withheld it')
      expect(said).not.toContain('0001$')
      expect(said).not.toContain('\u202E')
    } finally {
      await context.close()
    }
  })

  it('Try it reads a stream whose CRLF line ends arrive split, as its client would', async () => {
    // Act
    const { context, turn } = await tryHostile('crlf')
    try {
      // Assess
      await expect(turn.getByTestId('answer-text').textContent()).resolves.toBe('first second')
      expect(await turn.getByRole('alert').count()).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('the Fleet and Agent pages say when the agent last changed, which is what the record holds, not when its card was read', async () => {
    // Prepare
    await asOperator(async (page) => {
      const fleet = page.getByTestId('fleet').locator('[data-agent="hostile"]')

      // Act
      await fleet.waitFor()
      const labels = await fleet.locator('dt').allTextContents()
      await page.goto(`${stack.url}/console/#/agents/hostile`)
      const facts = page.getByText(/card version/)
      await facts.waitFor()

      // Assess
      expect(labels).toContain('Last changed')
      expect(labels).not.toContain('Card read')
      await expect(facts.textContent()).resolves.toMatch(/ · changed \d/)
    })
  })

  it('Try it lets go of a stream when the operator leaves the page, not only when the agent ends it', async () => {
    // Prepare: a stream the agent holds open
    await asOperator(async (page) => {
      await sendToHostile(page, 'hold on')
      await page.locator('.event').first().waitFor()
      expect(held - released).toBe(1)

      // Act
      await page.getByRole('link', { name: 'Fleet' }).click()
      await page.getByRole('heading', { level: 1, name: 'Fleet' }).waitFor()

      // Assess: the stream, and with it one of the person's few concurrent streams, given back
      await expect.poll(() => held - released).toBe(0)
    })
  })

  it('the Fleet, Agent and Activity pages show a card’s version and bindings with its bidirectional controls as \uFFFD', async () => {
    // Prepare
    await asOperator(async (page) => {
      const fleet = page.getByTestId('fleet').locator('[data-agent="backwards"]')

      // Act
      await fleet.waitFor()
      const bindings = await fleet.locator('dt:text-is("Bindings") + dd').textContent()
      await page.goto(`${stack.url}/console/#/agents/backwards`)
      const facts = page.getByText(/card version/)
      await facts.waitFor()
      const version = await facts.textContent()
      const configuration = await page.getByTestId('config').textContent()

      await page.goto(`${stack.url}/console/#/activity`)
      const registered = page.locator('[data-action="agent.register"][data-target="backwards"]')
      await registered.getByText('What changed').click()
      const change = registered.locator('tr', { has: page.locator('th:text-is("card.version")') })

      // Assess
      expect(bindings).toBe('JSONRPC 1.0, GRPC\uFFFD 1.0')
      expect(version).toContain('card version 1.0\uFFFD ·')
      expect(configuration).toContain('/a2a/\uFFFDcprnosj')
      await expect(change.locator('td.added').textContent()).resolves.toBe('"1.0\uFFFD"')
    })
  })

  it('Try it says an error event is an error, whatever its data, as the gateway counts it', async () => {
    // Act
    const { context, turn } = await tryHostile()
    try {
      // Assess
      const failed = turn.locator('.event[data-kind="error"]')
      await expect(failed.textContent()).resolves.toContain('the agent failed')
    } finally {
      await context.close()
    }
  })

  it('an address naming no agent puts none of its words in the tab’s title', async () => {
    // Prepare
    await asOperator(async (page) => {
      // Act: a link someone sent the operator
      await page.goto(
        `${stack.url}/console/#/agents/${encodeURIComponent('Session expired: sign in again at evil.example')}`,
      )
      await page.getByRole('heading', { level: 1, name: 'No such agent' }).waitFor()

      // Assess
      await expect.poll(() => page.title()).toBe('No such agent · Switchboard')
    })
  })

  it('Sign out takes what the operator saw off the page before the browser leaves it', async () => {
    // Prepare: the operator's page of callers; what each page shows as the browser leaves it is
    // kept (a page the browser keeps for Back, or an identity provider slow to answer, shows it)
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.addInitScript(() =>
      addEventListener('pagehide', () =>
        sessionStorage.setItem('left-showing', document.body.innerText),
      ),
    )
    try {
      await signIn(page, stack.url, 'operator')
      await page.goto(`${stack.url}/console/#/callers`)
      await page.locator('[data-client="demo-client"]').waitFor()

      // Act
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByRole('button', { name: 'Sign in' }).waitFor()

      // Assess
      const left = await page.evaluate(() => sessionStorage.getItem('left-showing'))
      expect(left).toContain('Signing out…')
      expect(left).not.toContain('demo-client')
    } finally {
      await context.close()
    }
  })

  it('a sign out in one tab signs the console out in every other tab of the browser', async () => {
    // Prepare: the operator has the console open in two tabs, signed in in each
    const context = await browser.newContext()
    const [first, second] = [await context.newPage(), await context.newPage()]
    try {
      await signIn(first, stack.url, 'operator')
      await signIn(second, stack.url, 'operator')

      // Act: signs out in the first, and walks away
      await first.getByRole('button', { name: 'Sign out' }).click()
      await first.getByRole('button', { name: 'Sign in' }).waitFor()

      // Assess: whoever takes the second tab finds it signed out too, and why
      await second.getByRole('button', { name: 'Sign in' }).waitFor()
      await expect(second.getByRole('alert').textContent()).resolves.toContain(
        'You signed out in another tab',
      )
      expect(await second.getByTestId('signed-in-as').count()).toBe(0)
      await shoot(second, 'signed-out-elsewhere')
    } finally {
      await context.close()
    }
  })
})
