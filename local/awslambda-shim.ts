/**
 * The globals the Lambda Node.js runtime gives response-streaming handlers
 * (`awslambda.streamifyResponse`, `awslambda.HttpResponseStream`). Middy reads
 * them when a streaming handler module is imported, so install this first.
 * The wire format is the runtime's: a JSON prelude, eight NUL bytes, the body.
 */
import type { Writable } from 'node:stream'

export const preludeDelimiter = Buffer.alloc(8)
const streamingHandler = Symbol.for('aws.lambda.runtime.handler.streaming')

export type StreamingHandler = ((
  event: unknown,
  responseStream: Writable,
  context: unknown,
) => Promise<unknown>) & { [streamingHandler]?: true }

const HttpResponseStream = {
  from(stream: Writable, prelude: Record<string, unknown>): Writable {
    stream.write(JSON.stringify(prelude))
    stream.write(preludeDelimiter)
    return stream
  },
}

export const isStreamingHandler = (handler: unknown): boolean =>
  typeof handler === 'function' && (handler as StreamingHandler)[streamingHandler] === true

export const installAwsLambdaShim = (): void => {
  // Other modules (the invoke store) may already have put their part of `awslambda` there.
  const global = globalThis as { awslambda?: Record<string, unknown> }
  global.awslambda ??= {}
  const { awslambda } = global
  awslambda.streamifyResponse ??= (handler: StreamingHandler) => {
    handler[streamingHandler] = true
    return handler
  }
  awslambda.HttpResponseStream ??= HttpResponseStream
}

installAwsLambdaShim()
