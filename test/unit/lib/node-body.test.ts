import { describe, expect, it } from 'vitest'
import { nodeBody } from '../../../lib/backend/body.ts'

const webStreamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk))
      controller.close()
    },
  })

describe('nodeBody', () => {
  it('hands a reader of read() every chunk of a web stream that holds an empty one, then its end', async () => {
    // Prepare
    const body = nodeBody(webStreamOf(['data: 1\n\n', '', 'data: 2\n\n']))

    // Act: read as a 'readable' listener reads, not by flowing.
    const read: string[] = []
    await new Promise<void>((resolve, reject) => {
      body.on('readable', () => {
        for (let chunk = body.read(); chunk !== null; chunk = body.read()) read.push(String(chunk))
      })
      body.once('end', resolve)
      body.once('error', reject)
    })

    // Assess
    expect(read.join('')).toBe('data: 1\n\ndata: 2\n\n')
  })
})
