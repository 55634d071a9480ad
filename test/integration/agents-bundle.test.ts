import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
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
import { startScriptedAgent } from '../support/scripted-agent.ts'
import { sharedBuild } from '../support/shared-services.ts'
import { grantToDemoClient, registerAgents } from '../support/stack-setup.ts'

const run = promisify(execFile)
const here = (file: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, file)).href)

/** An agent's OAuth token endpoint: a token for any client credentials, counted. */
const startTokenEndpoint = async () => {
  let issued = 0
  const server = createServer((request, response) => {
    request.resume().on('end', () => {
      issued++
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ access_token: `token-${issued}`, expires_in: 3600 }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`,
    issued: () => issued,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

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
  /** An agent's own token endpoint, and how many tokens it issued. */
  let tokenEndpoint: Awaited<ReturnType<typeof startTokenEndpoint>>
  let guarded: Awaited<ReturnType<typeof startScriptedAgent>>

  beforeAll(async () => {
    stack = await startThrowawayStack()
    token = await stack.token('demo-client')
    tokenEndpoint = await startTokenEndpoint()
    // An agent behind oauth2_client_credentials: its first call asks the token endpoint first.
    guarded = await startScriptedAgent({
      bindings: ['HTTP+JSON'],
      answer: (request, _body, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 't-1',
            contextId: 'c-1',
            status: { state: 'TASK_STATE_COMPLETED' },
            metadata: { authorization: request.headers.authorization },
          }),
        )
      },
    })
    await registerAgents(stack, [
      {
        agentId: 'guarded',
        backendUrl: guarded.url,
        agentCardUrl: guarded.cardUrl,
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: tokenEndpoint.url,
          clientId: 'gateway',
          clientSecret: 'secret-1',
        },
      },
    ])
    // GetTask of t-1, a task demo-client did not create: this call is about the token.
    await grantToDemoClient(['guarded'], { taskAccess: 'all' })
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
  afterAll(async () => {
    await guarded?.stop()
    await tokenEndpoint?.stop()
    await stack?.stop()
  })

  /** Each call's status and body from the built bundle, then whether it loaded undici. */
  const callBundle = async (
    calls: { method: string; path: string; body?: string; version?: string }[],
  ) => {
    const { handlers } = await build
    const agents = handlers.find((bundle) => bundle.handler === 'agents')?.file as string
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
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    return {
      answers: lines.slice(0, calls.length) as { status: number; body: string }[],
      loaded: lines.at(-1) as { undici: boolean },
    }
  }

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
    // Act
    const { answers, loaded } = await callBundle(calls)

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200])
    expect(textsOf(answers[0]?.body)).toContain('6*7 = 42')
    expect(textsOf(answers[1]?.body)).toContain('2+3 = 5')
    expect(answers[2]?.body).toMatch(/^data: /m)
    expect(textsOf(answers[2]?.body)).toContain('9-4 = 5')
    expect(textsOf(answers[3]?.body)).toContain('8/2 = 4')
    expect(answers[3]?.body).toContain('"kind":"task"')
    // Node's fetch is 40-60 ms of a cold start that no call here needs (issue 20).
    expect(loaded).toEqual({ undici: false })
  }, 120_000)

  it("calls an agent behind OAuth client credentials, its token fetched first, never loading Node's fetch", async () => {
    // Act
    const { answers, loaded } = await callBundle([
      { method: 'GET', path: '/agents/guarded/tasks/t-1' },
    ])

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200])
    expect(answers[0]?.body).toContain('Bearer token-1')
    expect(tokenEndpoint.issued()).toBe(1)
    // The token endpoint is read as the agent is, with Node's http, not fetch (issue 20).
    expect(loaded).toEqual({ undici: false })
  }, 120_000)
})
