import { PassThrough, Transform } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { passedThrough } from '../../../middlewares/support/response-body.ts'

const doneOf = () => {
  let told: ((error?: Error) => void) | undefined
  const result = new Promise<Error | undefined>((resolve) => {
    told = resolve
  })
  return { done: told as (error?: Error) => void, result }
}

describe('passedThrough', () => {
  it('hands the whole body on and tells done once the Transform has flushed', async () => {
    // Prepare
    const order: string[] = []
    const body = new PassThrough()
    const through = new Transform({
      transform: (chunk, _encoding, callback) => callback(null, chunk),
      flush: (callback) => {
        order.push('flushed')
        callback()
      },
    })
    const { done, result } = doneOf()

    // Act
    const answer = passedThrough(body, through, done)
    body.end('whole')
    const read: string[] = []
    for await (const chunk of answer) read.push(String(chunk))
    const error = await result
    order.push('done')

    // Assess
    expect(read).toEqual(['whole'])
    expect(error).toBeUndefined()
    expect(order).toEqual(['flushed', 'done'])
  })

  it('fails the Transform with the body’s own error when the body fails', async () => {
    // Prepare
    const body = new PassThrough()
    const through = new PassThrough()
    const { done, result } = doneOf()
    passedThrough(body, through, done)
    const failed = new Error('backend broke off')

    // Act
    body.destroy(failed)

    // Assess
    expect(await result).toBe(failed)
    expect(through.destroyed).toBe(true)
    expect(through.errored).toBe(failed)
  })

  it('destroys the body when the Transform is abandoned (the caller went away)', async () => {
    // Prepare
    const body = new PassThrough()
    body.write('first')
    const through = new PassThrough()
    const { done, result } = doneOf()
    passedThrough(body, through, done)

    // Act
    through.destroy()

    // Assess
    const error = await result
    expect(error).toBeInstanceOf(Error)
    expect(body.destroyed).toBe(true)
  })
})
