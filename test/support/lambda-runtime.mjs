/**
 * What the Lambda Node.js runtime does with a function's code, for one invocation: installs its
 * `awslambda` global (replacing any, as the runtime does before loading the code), imports the
 * module `_HANDLER` names from LAMBDA_TASK_ROOT (`index.handler`: `index.mjs`, its `handler`),
 * and invokes that export with the event in `event.json` beside this file: a response-streaming
 * handler (marked by `awslambda.streamifyResponse`) with a response stream, any other with the
 * event and context, as an async handler (Node 24's runtime takes no callback). Plain JavaScript
 * with no import but Node's, since test/support/lambda-sandbox.ts copies it alone into the
 * sandbox's /var/runtime. It reports one line, `LAMBDA-OUTCOME {json}`, on stdout.
 */
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'

const streamingMark = Symbol.for('aws.lambda.runtime.handler.streaming')
const preludeEnd = new Uint8Array(8)

globalThis.awslambda = {
  streamifyResponse: (handler) => {
    handler[streamingMark] = 'response'
    return handler
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.write(JSON.stringify(prelude))
      stream.write(preludeEnd)
      return stream
    },
  },
}

const report = (outcome) => {
  process.stdout.write(`\nLAMBDA-OUTCOME ${JSON.stringify(outcome)}\n`)
}

const [moduleName, exportName] = (process.env._HANDLER ?? '').split('.')
const event = JSON.parse(readFileSync(new URL('./event.json', import.meta.url), 'utf8'))
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: '8476a536-e9f4-11e8-9739-2dfe598c3fcd',
  logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
  getRemainingTimeInMillis: () => 10_000,
}

/** Whether the export is a response-streaming handler, once it is loaded. */
let streaming
try {
  const code = await import(`${process.env.LAMBDA_TASK_ROOT}/${moduleName}.mjs`)
  const handler = code[exportName]
  if (typeof handler !== 'function') {
    throw new Error(`${process.env._HANDLER} is undefined or not exported`)
  }
  streaming = handler[streamingMark] === 'response'
  if (streaming) {
    const chunks = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(Buffer.from(chunk))
        done()
      },
    })
    await handler(event, stream, context)
    const written = Buffer.concat(chunks)
    const end = written.indexOf(preludeEnd)
    report({
      streaming,
      prelude: end < 0 ? undefined : JSON.parse(written.subarray(0, end).toString()),
      body: written.subarray(end < 0 ? 0 : end + preludeEnd.length).toString(),
    })
  } else {
    report({ streaming, result: await handler(event, context) })
  }
} catch (error) {
  report({
    streaming,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  })
}
// A sample agent's server stays open, and Lambda freezes the process here rather than waiting.
process.exit(0)
