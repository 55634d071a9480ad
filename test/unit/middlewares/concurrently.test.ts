import middy, { type MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { concurrently, inOrder } from '../../../middlewares/support/concurrently.ts'
import { invoke } from '../../support/events.ts'

/** A promise settled from outside: a database request whose answer the test decides. */
const deferred = <T = undefined>() => {
  let resolve = (_value: T) => {}
  let reject = (_error: unknown) => {}
  const promise = new Promise<T>((yes, no) => {
    resolve = yes
    reject = no
  })
  return { promise, resolve, reject }
}

type Step = MiddlewareObj<unknown, unknown, Error, Context, Record<string, unknown>>

describe('concurrently', () => {
  it('starts every step before any has answered', async () => {
    // Prepare
    const started: string[] = []
    const first = deferred()
    const second = deferred()
    const step = (name: string, answer: Promise<undefined>): Step => ({
      before: async () => {
        started.push(name)
        await answer
      },
    })
    const handler = middy()
      .use(concurrently(step('rate limit', first.promise), step('task owner', second.promise)))
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = invoke(handler, {})
    await Promise.resolve()
    const startedBeforeAnyAnswer = [...started]
    second.resolve(undefined)
    first.resolve(undefined)

    // Assess
    expect(startedBeforeAnyAnswer).toEqual(['rate limit', 'task owner'])
    expect(await answer).toEqual({ statusCode: 200, body: 'forwarded' })
  })

  it('answers with the first refusal in order, even when a later one came back first', async () => {
    // Prepare
    const rate = deferred<{ statusCode: number; body: string }>()
    const handler = middy()
      .use(
        concurrently(
          { before: () => rate.promise },
          { before: async () => ({ statusCode: 404, body: 'task not found' }) },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = invoke(handler, {})
    await new Promise((resolve) => setImmediate(resolve))
    rate.resolve({ statusCode: 429, body: 'rate limited' })

    // Assess
    expect(await answer).toEqual({ statusCode: 429, body: 'rate limited' })
  })

  it('gives back what a step took when an earlier one refuses, before the refusal goes out', async () => {
    // Prepare
    const order: string[] = []
    const handler = middy()
      .use(
        concurrently(
          { before: async () => ({ statusCode: 429, body: 'rate limited' }) },
          {
            before: async () => void order.push('slot taken'),
            onError: async () => void order.push('slot given back'),
            after: async () => void order.push('after'),
          },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = await invoke(handler, {})
    order.push('answered')

    // Assess
    expect(answer).toEqual({ statusCode: 429, body: 'rate limited' })
    expect(order).toEqual(['slot taken', 'slot given back', 'answered'])
  })

  it('rethrows the first failure in order once the others have given back what they took', async () => {
    // Prepare
    const order: string[] = []
    const handler = middy()
      .use(
        concurrently(
          {
            before: async () => {
              throw new Error('database down')
            },
          },
          {
            before: async () => void order.push('slot taken'),
            onError: async () => void order.push('slot given back'),
          },
          { before: async () => ({ statusCode: 429, body: 'no slot' }) },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const failure = await invoke(handler, {}).catch((error: Error) => error.message)

    // Assess
    expect(failure).toBe('database down')
    expect(order).toEqual(['slot taken', 'slot given back'])
  })

  it("runs the steps' after in reverse order, as a chain of them would", async () => {
    // Prepare
    const order: string[] = []
    const step = (name: string): Step => ({ after: async () => void order.push(name) })
    const handler = middy()
      .use(concurrently(step('rate limit'), step('task owner'), step('stream slot')))
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    await invoke(handler, {})

    // Assess
    expect(order).toEqual(['stream slot', 'task owner', 'rate limit'])
  })
})

describe('inOrder', () => {
  it('starts each step only once the one before it has let the call through', async () => {
    // Prepare
    const started: string[] = []
    const slot = deferred()
    const handler = middy()
      .use(
        inOrder(
          {
            before: async () => {
              started.push('stream slot')
              await slot.promise
            },
          },
          { before: async () => void started.push('push config') },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = invoke(handler, {})
    await new Promise((resolve) => setImmediate(resolve))
    const startedBeforeTheSlot = [...started]
    slot.resolve(undefined)

    // Assess
    expect(startedBeforeTheSlot).toEqual(['stream slot'])
    expect(await answer).toEqual({ statusCode: 200, body: 'forwarded' })
    expect(started).toEqual(['stream slot', 'push config'])
  })

  it('gives back what an earlier step took when a later one refuses, before the refusal goes out', async () => {
    // Prepare: a plain chain would skip the slot's onError on the early answer
    const order: string[] = []
    const handler = middy()
      .use(
        inOrder(
          {
            before: async () => void order.push('slot taken'),
            onError: async () => void order.push('slot given back'),
          },
          { before: async () => ({ statusCode: 400, body: 'webhook refused' }) },
          { before: async () => void order.push('never started') },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = await invoke(handler, {})
    order.push('answered')

    // Assess
    expect(answer).toEqual({ statusCode: 400, body: 'webhook refused' })
    expect(order).toEqual(['slot taken', 'slot given back', 'answered'])
  })

  it('gives back what an earlier step took when a later one throws, then rethrows', async () => {
    // Prepare
    const order: string[] = []
    const handler = middy()
      .use(
        inOrder(
          {
            before: async () => void order.push('slot taken'),
            onError: async () => void order.push('slot given back'),
          },
          {
            before: async () => {
              throw new Error('config not stored')
            },
          },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const failure = await invoke(handler, {}).catch((error: Error) => error.message)

    // Assess: given back once, not again by the chain's onError
    expect(failure).toBe('config not stored')
    expect(order).toEqual(['slot taken', 'slot given back'])
  })

  it('takes nothing further once a step refuses: the later steps never start', async () => {
    // Prepare
    const order: string[] = []
    const handler = middy()
      .use(
        inOrder(
          { before: async () => ({ statusCode: 429, body: 'no slot' }) },
          { before: async () => void order.push('push config stored') },
        ),
      )
      .handler(async () => ({ statusCode: 200, body: 'forwarded' }))

    // Act
    const answer = await invoke(handler, {})

    // Assess
    expect(answer).toEqual({ statusCode: 429, body: 'no slot' })
    expect(order).toEqual([])
  })
})
