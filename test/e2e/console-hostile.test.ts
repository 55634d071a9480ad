import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { launchChromium, shoot, signIn } from '../support/browser.ts'

/**
 * The operator console against the people it does not trust: a browser another person uses
 * after the operator signed out. (test/e2e/console.test.ts holds the console's own flows.)
 */
describe('operator console, attacked', { timeout: 60_000 }, () => {
  let stack: RunningStack
  let browser: Browser

  beforeAll(async () => {
    stack = await startThrowawayStack()
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
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
