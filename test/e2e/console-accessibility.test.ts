import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { launchChromium, signIn, tryItReady } from '../support/browser.ts'

/**
 * The operator console as people use it who work with a keyboard alone, a screen reader, or a
 * magnified or narrow window (test/e2e/console.test.ts holds the console's own flows). What a
 * screen reader is told is read from the page's accessibility tree (Playwright's roles, names and
 * descriptions), and what is seen from the styles the browser computed.
 */
describe('operator console, by keyboard and screen reader', { timeout: 60_000 }, () => {
  let stack: RunningStack
  let browser: Browser
  let page: Page
  /** Screenshots of what this file checks by sight, to look at (git-ignored). */
  const benchDir = fileURLToPath(new URL('../../.bench/', import.meta.url))

  beforeAll(async () => {
    stack = await startThrowawayStack()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await signIn(page, stack.url, 'operator')
    await mkdir(benchDir, { recursive: true })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
  })

  const go = async (hash: string, heading: string) => {
    await page.goto(`${stack.url}/console/${hash}`)
    await page.getByRole('heading', { level: 1, name: heading }).waitFor()
  }
  /** What has the keyboard's focus, as a screen reader would name it. */
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement
      return element
        ? `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}`
        : 'nothing'
    })

  it('"Skip to content" moves the focus to the page shown, and leaves the person on it', async () => {
    // Prepare: a page other than the Fleet (the page an unknown address shows)
    await go('#/callers', 'Callers')

    // Act: the first thing a keyboard reaches
    await page.locator('.skip').focus()
    await page.keyboard.press('Enter')

    // Assess: still Callers, with the focus at its content
    await expect.poll(focused).toBe('main#main')
    expect(page.url()).toMatch(/#\/callers$/)
    // Its heading counts the callers, as the Fleet's its agents, once they have come
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/^Callers \d+ callers$/)
    await page.keyboard.press('Tab')
    await expect(focused()).resolves.toBe('input#client-name')
  })
  it('a confirmation closes with Escape, and Cancel or Escape gives the focus back to what opened it', async () => {
    // Prepare
    await go('#/callers', 'Callers')
    const card = page.locator('[data-client="weather-client"]')
    const rotate = card.getByRole('button', { name: 'Rotate secret' })
    const dialog = page.getByRole('alertdialog', { name: /Rotate the secret of weather-client/ })

    // Act: opened from the keyboard, then Escape
    await rotate.focus()
    await page.keyboard.press('Enter')
    await dialog.getByRole('textbox', { name: 'Type weather-client to confirm' }).waitFor()
    await expect(focused()).resolves.toBe('input#confirm-input')
    await page.keyboard.press('Escape')

    // Assess: closed, nothing rotated, the person back where they were
    await expect.poll(() => dialog.count()).toBe(0)
    await expect
      .poll(() => rotate.evaluate((button) => button === document.activeElement))
      .toBe(true)

    // Act: opened again, then Cancel by the keyboard
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await page.keyboard.press('Tab') // the disabled action is skipped: Cancel
    await page.keyboard.press('Enter')

    // Assess
    await expect.poll(() => dialog.count()).toBe(0)
    await expect
      .poll(() => rotate.evaluate((button) => button === document.activeElement))
      .toBe(true)
  })
  /** An element's accessible description: the text of what its `aria-describedby` names. */
  const description = (selector: string) =>
    page.locator(selector).evaluate((element) =>
      (element.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ')
        .trim(),
    )

  it('a secret shown once takes the focus, described by its warning, after a rotation made by keyboard', async () => {
    // Prepare
    await go('#/callers', 'Callers')
    const card = page.locator('[data-client="auditor-client"]')
    await card.getByRole('button', { name: 'Rotate secret' }).focus()
    await page.keyboard.press('Enter')
    await page.keyboard.type('auditor-client')

    // Act: Tab to the action, Enter
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')

    // Assess: the person meets the secret at once (it is shown above, far from the card), told
    // that it is shown this once
    await page.getByTestId('client-secret').waitFor()
    await expect.poll(focused).toBe('input#client-secret')
    await expect(description('#client-secret')).resolves.toMatch(
      /this is the only time the secret of auditor-client is shown/,
    )
    await page.keyboard.press('Tab')
    await expect(focused()).resolves.toBe('button')
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Copy')
  })
  it("a field's hint and its problem are its description, and a field with a problem says it is invalid", async () => {
    // Prepare
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).click()

    // Assess: the hint beside a permission's scope is read with the field
    await expect(description('#scope')).resolves.toMatch(/The OAuth scope this grants to/)

    // Act: a caller without a name
    await go('#/callers', 'Callers')
    await page.getByRole('button', { name: 'Create caller' }).click()

    // Assess: the problem said beside the field is read with it
    await page.getByText('must name the caller').waitFor()
    await expect(page.locator('#client-name').getAttribute('aria-invalid')).resolves.toBe('true')
    await expect(description('#client-name')).resolves.toBe('must name the caller')
    await expect(page.locator('#new-scope').getAttribute('aria-invalid')).resolves.toBeNull()
    await expect(description('#new-scope')).resolves.toMatch(/e\.g\. stocks:invoke/)
  })
  it('shows where the focus is, and where a field is, in colours that stand out from around them (3:1)', async () => {
    // Prepare: the focus shown as it is for a keyboard (`:focus-visible`)
    await go('#/fleet', 'Fleet')
    await page.locator('[data-agent="weather"]').waitFor()
    await page.keyboard.press('Tab')

    /**
     * The contrast of the focused element's outline (or, with `border`, its border) against the
     * first background behind it, as WCAG counts it.
     */
    const contrastOf = (selector: string, what: 'outline' | 'border', on = page) =>
      on
        .locator(selector)
        .first()
        .evaluate((element, part) => {
          ;(element as HTMLElement).focus()
          const rgb = (colour: string) => (colour.match(/[\d.]+/g) ?? []).map(Number)
          const luminance = (colour: string) => {
            const [r = 0, g = 0, b = 0] = rgb(colour).map((value) => {
              const channel = value / 255
              return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4
            })
            return 0.2126 * r + 0.7152 * g + 0.0722 * b
          }
          let behind = element.parentElement
          while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) {
            behind = behind.parentElement
          }
          const style = getComputedStyle(element)
          const [a, b] = [
            luminance(part === 'outline' ? style.outlineColor : style.borderTopColor),
            // With no background set anywhere, the browser's canvas: white.
            luminance(behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)'),
          ].sort((x, y) => y - x) as [number, number]
          return {
            shown: part === 'border' || element.matches(':focus-visible'),
            ratio: Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100,
          }
        }, what)

    // Assess: on the page's background, in a card, on a card's button, in the dark header
    for (const selector of [
      '#filter',
      '[data-agent="weather"] h2 a',
      '[data-agent="weather"] .button',
      'button[type="submit"]',
      '.top nav a',
      '.who button',
    ]) {
      const { shown, ratio } = await contrastOf(selector, 'outline')
      expect(shown, selector).toBe(true)
      expect(ratio, `focus outline of ${selector}`).toBeGreaterThanOrEqual(3)
    }
    // Assess: an empty field's edge, and a button's, on the page's background
    for (const selector of ['#filter', 'button[type="submit"]']) {
      const { ratio } = await contrastOf(selector, 'border')
      expect(ratio, `border of ${selector}`).toBeGreaterThanOrEqual(3)
    }
    await page.locator('#filter').focus()
    await page.screenshot({
      path: `${benchDir}focus-fleet-filter.png`,
      clip: { x: 0, y: 0, width: 1280, height: 260 },
    })

    // Assess: the local sign-in page the console sends a person to
    const context = await browser.newContext()
    const signingIn = await context.newPage()
    await signingIn.goto(`${stack.url}/console`)
    await signingIn.getByRole('button', { name: 'Sign in' }).click()
    await signingIn.getByLabel('Username').waitFor()
    await signingIn.keyboard.press('Tab')
    for (const selector of ['#username', 'button[type="submit"]']) {
      const { shown, ratio } = await contrastOf(selector, 'outline', signingIn)
      expect(shown, selector).toBe(true)
      expect(ratio, `sign-in's focus outline of ${selector}`).toBeGreaterThanOrEqual(3)
    }
    await context.close()
  })
  it('Try it announces how a stream ended with its answer, and not each event (nor each raw JSON shown)', async () => {
    // Prepare
    await go('#/try/calculator', 'Try it')
    await tryItReady(page, 'calculator')

    // Act: sent by keyboard
    await page.getByLabel('Message').fill('What is 15% of 80?')
    await page.getByLabel('Message').press('Enter')
    const turn = page.getByTestId('conversation').locator('.turn').last()
    await turn.getByText(/Stream ended/).waitFor()
    await page.getByLabel('Show the raw JSON of each event').check()
    await turn.locator('.event pre').first().waitFor()

    // Assess: the live region a screen reader reads says the end and the answer, at once
    const said = await turn.getByRole('status').allTextContents()
    expect(said).toEqual([
      expect.stringMatching(
        /^Answer: 15% of 80 = 12\s*Stream ended after \d+ events; task completed\.$/,
      ),
    ])
    // Assess: an event, and its raw JSON, are in no live region (each was read out as it came)
    const live = '[aria-live], [role="status"], [role="alert"], [role="log"]'
    const around = await turn
      .locator('.event')
      .evaluateAll((events, selector) => events.map((event) => event.closest(selector)), live)
    expect(around.every((region) => region === null)).toBe(true)
  })
  it("names each page in the tab's title as its heading does", async () => {
    // Act and Assess: a page's title is what a screen reader says first of it, and what a person
    // picks a tab by
    for (const [hash, heading] of [
      ['#/register/weather', 'Edit weather'],
      ['#/nothing-here', 'Fleet'],
      ['#/agents/calculator', 'Calculator'],
    ] as const) {
      await page.goto(`${stack.url}/console/${hash}`)
      await page.getByRole('heading', { level: 1, name: heading }).waitFor()
      await expect
        .poll(async () => `${hash}: ${await page.title()}`)
        .toBe(`${hash}: ${hash.startsWith('#/agents/') ? 'calculator' : heading} · Switchboard`)
    }
  })
  it('a form opened in place takes the focus to its first field', async () => {
    // Act and Assess: the button that opened it is gone, and the focus with it
    await go('#/permissions', 'Permissions')
    await page.getByRole('button', { name: 'Add a permission' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(focused).toBe('input#scope')

    await page.locator('li[data-scope="tasks:read"]').getByRole('button', { name: 'Edit' }).focus()
    await page.keyboard.press('Enter')
    // Its scope cannot change: the first field to fill is its first agent
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('name')))
      .toBe('agents')

    await go('#/callers', 'Callers')
    const caller = page.locator('[data-client="demo-client"]')
    await caller.getByRole('button', { name: 'Change scopes' }).focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(() =>
        caller
          .locator('input[type="checkbox"]')
          .first()
          .evaluate((box) => box === document.activeElement),
      )
      .toBe(true)

    await page
      .locator('li[data-scope="weather:invoke"]')
      .getByRole('button', { name: 'Edit description' })
      .focus()
    await page.keyboard.press('Enter')
    await expect.poll(focused).toBe('input#description-weather:invoke')
  })

  /** Where an element is seen: its box in the window. */
  interface Seen {
    name: string
    top: number
    bottom: number
    left: number
  }
  /** Whether `a` is seen before `b`: on a row above it, or on the same row and to its left. */
  const seenBefore = (a: Seen, b: Seen) =>
    a.bottom <= b.top || (a.top < b.bottom && b.top < a.bottom && a.left < b.left)

  it("Tab reaches the header's pages and Sign out in the order they are seen, wide and 700 px wide", async () => {
    try {
      for (const [width, expected] of [
        [1280, ['Fleet', 'Register', 'Permissions', 'Callers', 'Try it', 'Activity', 'Sign out']],
        // Sign out on the first row, beside the name; the pages on the row below
        [700, ['Sign out', 'Fleet', 'Register', 'Permissions', 'Callers', 'Try it', 'Activity']],
      ] as const) {
        // Prepare
        await page.setViewportSize({ width, height: 900 })
        await go('#/fleet', 'Fleet')
        await page.locator('.skip').focus()

        // Act: Tab through the header
        const reached: Seen[] = []
        for (let step = 0; step < 20; step += 1) {
          await page.keyboard.press('Tab')
          const at = await page.evaluate(() => {
            const element = document.activeElement
            if (!element?.closest('header')) return undefined
            const box = element.getBoundingClientRect()
            return {
              name: element.textContent?.trim() ?? '',
              top: box.top,
              bottom: box.bottom,
              left: box.left,
            }
          })
          if (!at) break
          reached.push(at)
        }

        // Assess: each reached after the one seen before it
        expect(
          reached.map(({ name }) => name),
          `${width} px`,
        ).toEqual(expected)
        for (const [index, next] of reached.entries()) {
          const previous = reached[index - 1]
          if (previous) expect(seenBefore(previous, next), `${width} px: ${next.name}`).toBe(true)
        }
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
  })

  /** The name a screen reader gives each button and link in `scope`, and the text it shows. */
  const controlsIn = async (scope: string) => {
    const controls = await page.locator(`${scope} :is(button, a[href], summary)`).all()
    return Promise.all(
      controls.map(async (control) => ({
        name: /^- \w+ "(.*)"/.exec(await control.ariaSnapshot())?.[1] ?? '',
        text: ((await control.textContent()) ?? '').trim(),
      })),
    )
  }

  it('names each button and link a card repeats after what it acts on, starting with the words it shows', async () => {
    for (const [hash, heading, cards, example] of [
      ['#/fleet', 'Fleet', '[data-agent]', 'Try it with weather'],
      ['#/permissions', 'Permissions', 'li[data-scope]', 'Remove permission tasks:read'],
      ['#/callers', 'Callers', '[data-client]', 'Rotate secret of caller weather-client'],
      ['#/callers', 'Callers', '.scopes [data-scope]', 'Delete scope weather:invoke'],
    ] as const) {
      // Prepare
      await go(hash, heading)
      await page.locator(cards).nth(1).waitFor()

      // Act: the list of controls a screen reader offers
      const controls = await controlsIn(cards)

      // Assess: no two alike, each saying the words a person sees (and may say to voice control)
      const names = controls.map(({ name }) => name)
      expect(new Set(names).size, `${hash} ${cards}: ${names.join(' | ')}`).toBe(names.length)
      expect(names).toContain(example)
      for (const { name, text } of controls) expect(name.startsWith(text), name).toBe(true)
    }
  })

  it('keeps the focus on a button pressed while the page acts, and refuses it again until done', async () => {
    // Prepare: the sync held back until released, and counted
    await go('#/agents/weather', 'Weather active')
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let syncs = 0
    const syncPath = `${stack.url}/admin/agents/weather/sync`
    await page.route(syncPath, async (route) => {
      syncs += 1
      await held
      await route.continue()
    })
    const sync = page.getByRole('button', { name: 'Sync card' })
    const isFocused = () => sync.evaluate((button) => button === document.activeElement)
    try {
      // Act: pressed by keyboard, then again while it runs
      await sync.focus()
      await page.keyboard.press('Enter')
      await expect.poll(() => sync.getAttribute('aria-disabled')).toBe('true')
      await page.keyboard.press('Enter')

      // Assess: still where the person is, said to be unavailable, sent once
      await expect(isFocused()).resolves.toBe(true)
      release()
      await expect
        .poll(() => page.getByTestId('notice').textContent())
        .toContain('card of weather read again')
      await expect.poll(() => sync.getAttribute('aria-disabled')).toBeNull()
      await expect(isFocused()).resolves.toBe(true)
      expect(syncs).toBe(1)
    } finally {
      release()
      await page.unroute(syncPath)
    }

    // Prepare: Register's save held back
    await go('#/register/weather', 'Edit weather')
    await expect.poll(() => page.locator('#backendUrl').inputValue()).not.toBe('')
    let releaseSave = () => {}
    const heldSave = new Promise<void>((resolve) => {
      releaseSave = resolve
    })
    let saves = 0
    const agentPath = `${stack.url}/admin/agents/weather`
    await page.route(agentPath, async (route) => {
      if (route.request().method() === 'PUT') {
        saves += 1
        await heldSave
      }
      await route.continue()
    })
    const save = page.getByRole('button', { name: /Save changes|Saving/ })
    try {
      // Act: saved by keyboard, then again while it saves
      await save.focus()
      await page.keyboard.press('Enter')
      await expect.poll(() => save.getAttribute('aria-disabled')).toBe('true')
      await page.keyboard.press('Enter')

      // Assess
      await expect(save.evaluate((button) => button === document.activeElement)).resolves.toBe(true)
      releaseSave()
      await expect.poll(() => page.getByTestId('notice').textContent()).toContain('weather updated')
      await expect(save.evaluate((button) => button === document.activeElement)).resolves.toBe(true)
      expect(saves).toBe(1)
    } finally {
      releaseSave()
      await page.unroute(agentPath)
    }
  })

  it("says each scope's description beside a caller's checkbox, and reads it with the checkbox", async () => {
    // Prepare
    await go('#/callers', 'Callers')
    const newCaller = page.getByRole('form', { name: 'New caller' })
    const weather = newCaller.getByRole('checkbox', { name: 'weather:invoke', exact: true })
    await weather.waitFor()

    // Assess: seen without a pointer, and read as the checkbox's description
    await expect(newCaller.getByText('Call the weather agent').isVisible()).resolves.toBe(true)
    const describedBy = (box: typeof weather) =>
      box.evaluate((element) =>
        (element.getAttribute('aria-describedby') ?? '')
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' ')
          .trim(),
      )
    await expect(describedBy(weather)).resolves.toBe('Call the weather agent')

    // Assess: the same in a caller's own scopes, beside the form's
    const caller = page.locator('[data-client="demo-client"]')
    await caller.getByRole('button', { name: /^Change scopes/ }).click()
    const tasks = caller.getByRole('checkbox', { name: 'tasks:read', exact: true })
    await expect(describedBy(tasks)).resolves.toBe("Read every caller's tasks on the sample agents")

    // Assess: at 320 px wide, the descriptions wrap rather than make the page scroll sideways
    try {
      await page.setViewportSize({ width: 320, height: 900 })
      await expect
        .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
        .toBeLessThanOrEqual(320)
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
    await caller.getByRole('button', { name: 'Cancel' }).click()
  })

  it('says politely how many agents the Fleet filter leaves', async () => {
    // Prepare
    await go('#/fleet', 'Fleet')
    await page.locator('[data-agent="weather"]').waitFor()
    const all = await page.locator('[data-agent]').count()
    const count = page.getByTestId('fleet-count')
    // A live region is read when what it says changes: it is there, silent, before the filter
    await expect(count.getAttribute('role')).resolves.toBe('status')
    await expect(count.textContent()).resolves.toBe('')

    // Act
    await page.getByLabel('Filter by name, id or status').fill('weather')

    // Assess
    await expect.poll(() => count.textContent()).toBe(`1 of ${all} agents`)
    await page.getByLabel('Filter by name, id or status').fill('no such agent')
    await expect.poll(() => count.textContent()).toBe(`0 of ${all} agents`)
    await page.getByLabel('Filter by name, id or status').fill('')
    await expect.poll(() => count.textContent()).toBe('')
  })

  it('reaches the Callers filter by keyboard after the new caller, by its label, and says politely how many callers it leaves', async () => {
    // Prepare
    await go('#/callers', 'Callers')
    await page.locator('[data-client="weather-client"]').waitFor()
    const all = (await page.locator('h1 .heading-count').textContent())?.trim()
    const count = page.getByTestId('callers-count')
    const filter = page.getByRole('textbox', { name: 'Filter by name, id or scope' })
    // A live region is read when what it says changes: it is there, silent, before the filter
    await expect(count.getAttribute('role')).resolves.toBe('status')
    await expect(count.textContent()).resolves.toBe('')

    // Act: from the new caller's last control, by keyboard
    await page
      .getByRole('form', { name: 'New caller' })
      .getByRole('button', { name: 'Create caller' })
      .focus()
    await page.keyboard.press('Tab')

    // Assess: the filter, the first thing after the form
    await expect(focused()).resolves.toBe('input#caller-filter')

    // Act: typed
    await page.keyboard.type('weather-client')

    // Assess
    await expect.poll(() => count.textContent()).toBe(`1 of ${all}`)
    await filter.fill('no such caller')
    await expect.poll(() => count.textContent()).toBe(`0 of ${all}`)
    await page.getByText('No caller matches “no such caller”.').waitFor()
    await filter.fill('')
    await expect.poll(() => count.textContent()).toBe('')
  })

  it('"I have stored it" takes the focus to the caller whose secret it was', async () => {
    // Prepare: a caller created by keyboard, its secret shown
    await go('#/callers', 'Callers')
    const newCaller = page.getByRole('form', { name: 'New caller' })
    await newCaller.getByLabel('Name').fill('stored-by-keyboard')
    await newCaller.getByRole('checkbox', { name: 'tasks:read', exact: true }).check()
    await newCaller.getByRole('button', { name: 'Create caller' }).focus()
    await page.keyboard.press('Enter')
    const clientId = (await page
      .getByRole('region', { name: 'New client secret' })
      .locator('code')
      .textContent()) as string
    const heading = page.locator(`[data-client="${clientId}"] h2`)
    await heading.waitFor()

    // Act
    await page.getByRole('button', { name: 'I have stored it' }).focus()
    await page.keyboard.press('Enter')

    // Assess: at the new caller's card, whose actions come next
    await expect
      .poll(() => heading.evaluate((element) => element === document.activeElement))
      .toBe(true)
    await page.keyboard.press('Tab')
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe(
      'Change scopes',
    )
  })
})
