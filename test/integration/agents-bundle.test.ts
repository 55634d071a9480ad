import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import type { APIGatewayAuthorizerResult } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { incomingRequest, routeOf } from '../../bench/incoming-request.ts'
import { authorizerEvent, handlerAuthorizerContext } from '../../local/api-gateway-events.ts'
import { installAwsLambdaShim } from '../../local/awslambda-shim.ts'
import { lambdaContext } from '../../local/lambda-context.ts'
import { startThrowawayStack } from '../../local/stack.ts'
import { sharedBuild } from '../support/shared-services.ts'

const run = promisify(execFile)
const here = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href)

/**
 * The agents function's bundle, what Lambda runs, invoked in a Node process of its own as the
 * runtime invokes it, against the local stack's database and sample agents: the tests of the
 * handlers import their sources, so only this one sees the build serve a call. Each call's
 * status and body, then whether Node's fetch (undici) was ever loaded, one JSON line each.
 */
const callsScript = (bundle: string) => `
  import { Writable } from 'node:stream'
  const { installAwsLambdaShim, preludeDelimiter } = await import(${here('../../local/awslambda-shim.ts')})
  const { proxyEvent } = await import(${here('../../local/api-gateway-events.ts')})
  const { lambdaContext } = await import(${here('../../local/lambda-context.ts')})
  const { incomingRequest, routeOf } = await import(${here('../../bench/incoming-request.ts')})
  installAwsLambdaShim()
  const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)})
  const caller = JSON.parse(process.env.CALLER_CONTEXT)
  const call = async ({ method, path, body, version }) => {
    const request = incomingRequest(method, path, body, { token: process.env.CALLER_TOKEN, version })
    const chunks = []
    const stream = new Writable({ write(chunk, encoding, done) { chunks.push(Buffer.from(chunk)); done() } })
    await handler(proxyEvent(request, routeOf(request), caller), stream, lambdaContext('switchboard-agents'))
    const written = Buffer.concat(chunks)
    const at = written.indexOf(preludeDelimiter)
    return { status: JSON.parse(written.subarray(0, at)).statusCode ?? 200, body: written.subarray(at + 8).toString() }
  }
  for (const request of JSON.parse(process.env.CALLS)) console.log(JSON.stringify(await call(request)))
  console.log(JSON.stringify({ undici: process.moduleLoadList.some((name) => name.includes('undici')) }))
  process.exit(0)`

describe("the agents function's bundle", () => {
  const build = sharedBuild(inject('sharedServices'))
  let stack: Awaited<ReturnType<typeof startThrowawayStack>>
  let token: string
  let callerContext: ReturnType<typeof handlerAuthorizerContext>

  beforeAll(async () => {
    stack = await startThrowawayStack()
    token = await stack.token('demo-client')
    // The authorizer's answer, which API Gateway hands the agents function with each call.
    installAwsLambdaShim()
    const { handler: authorizer } = await import('../../handlers/authorizer.ts')
    const first = incomingRequest('POST', '/agents/calculator/message:send', '{}', { token })
    const answer = (await authorizer(
      authorizerEvent(first, routeOf(first)),
      lambdaContext('switchboard-authorizer') as Parameters<typeof authorizer>[1],
    )) as APIGatewayAuthorizerResult
    callerContext = handlerAuthorizerContext(answer.principalId, answer.context ?? {})
  }, 60_000)
  afterAll(() => stack?.stop())

  /** The text parts of an answer or a stream's events, in order, joined (the calculator answers in two). */
  const textsOf = (body = '') =>
    [...body.matchAll(/"text":"([^"]*)"/g)].map(([, text]) => text).join('')

  const message = (text: string) =>
    JSON.stringify({ message: { messageId: `m-${text}`, role: 'ROLE_USER', parts: [{ text }] } })

  it("serves a call of each binding, a stream and an 0.3 client's call from its build alone, never loading Node's fetch", async () => {
    // Prepare
    const calls = [
      { method: 'POST', path: '/agents/calculator/message:send', body: message('6*7') },
      {
        method: 'POST',
        path: '/agents/calculator',
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'SendMessage',
          params: JSON.parse(message('2+3')),
        }),
      },
      { method: 'POST', path: '/agents/calculator/message:stream', body: message('9-4') },
      {
        method: 'POST',
        path: '/agents/calculator',
        version: '0.3',
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'message/send',
          params: {
            message: {
              kind: 'message',
              messageId: 'm-legacy',
              role: 'user',
              parts: [{ kind: 'text', text: '8/2' }],
            },
          },
        }),
      },
    ]
    const { handlers } = await build
    const agents = handlers.find((bundle) => bundle.handler === 'agents')?.file as string

    // Act
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', callsScript(agents)],
      {
        env: {
          ...process.env,
          NODE_PATH: '',
          CALLER_TOKEN: token,
          CALLER_CONTEXT: JSON.stringify(callerContext),
          CALLS: JSON.stringify(calls),
        },
      },
    )

    // Assess
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const answers = lines.slice(0, calls.length) as { status: number; body: string }[]
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200])
    expect(textsOf(answers[0]?.body)).toContain('6*7 = 42')
    expect(textsOf(answers[1]?.body)).toContain('2+3 = 5')
    expect(answers[2]?.body).toMatch(/^data: /m)
    expect(textsOf(answers[2]?.body)).toContain('9-4 = 5')
    expect(textsOf(answers[3]?.body)).toContain('8/2 = 4')
    expect(answers[3]?.body).toContain('"kind":"task"')
    // Node's fetch is 40-60 ms of a cold start that no call here needs (issue 20).
    expect(lines.at(-1)).toEqual({ undici: false })
  }, 120_000)
})
