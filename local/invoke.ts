import { readFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { integrationTimeoutMs } from '../lib/routes.ts'
import { isStreamingHandler, preludeDelimiter } from './awslambda-shim.ts'
import { lambdaContext } from './lambda-context.ts'
import { startThrowawayStack } from './stack.ts'

const handlerNames = ['authorizer', 'agents', 'discovery', 'admin', 'console'] as const
type HandlerName = (typeof handlerNames)[number]
/**
 * The handlers that reach no agent, registry or search index: the authorizer reads tokens and
 * permissions, the console its files. Their stack starts no sample agents (nor the embedder
 * their registration loads), about half the CPU of a whole one; an event naming an agent's
 * address still gets them.
 */
const agentFreeHandlers: readonly string[] = ['authorizer', 'console']

const usage = `Usage: npm run invoke -- <${handlerNames.join('|')}> events/<file>.json

Runs one handler on a sample event, as \`sam local invoke\` does, against a
throw-away local stack (database, token endpoint, and the sample agents but for
the authorizer and the console, which reach none). In the event,
{{token:<clientId>}} becomes a fresh token for a client of local/seed.json and
{{agentUrl:<agentId>}} the address of a sample agent.`

/** `application/json`, `application/problem+json` and the like. */
const isJsonType = (contentType: unknown) =>
  typeof contentType === 'string' && /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType)

/** A header's value whatever its case, as API Gateway reads `Content-Type`. */
const headerValue = (headers: unknown, name: string): unknown =>
  Object.entries((headers ?? {}) as Record<string, unknown>).find(
    ([key]) => key.toLowerCase() === name,
  )?.[1]

/** The value a JSON text holds, or undefined when it is not JSON. */
const parsedJson = (text: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** A JSON body as indented JSON; any other body (or JSON that does not parse) as it is. */
const readableBody = (body: string, contentType: unknown): string => {
  const parsed = isJsonType(contentType) ? parsedJson(body) : undefined
  return parsed ? JSON.stringify(parsed.value, null, 2) : body
}

/**
 * A buffered handler result as indented JSON, a JSON `body` shown as the value
 * it holds rather than as an escaped string; any other body stays a string.
 */
const readableResult = (result: unknown): string => {
  const { body, headers, isBase64Encoded } = (result ?? {}) as Record<string, unknown>
  const parsed =
    typeof body === 'string' &&
    isBase64Encoded !== true &&
    isJsonType(headerValue(headers, 'content-type'))
      ? parsedJson(body)
      : undefined
  return JSON.stringify(parsed ? { ...(result as object), body: parsed.value } : result, null, 2)
}

/**
 * Prints a streamed response: the prelude, then the body. An event stream (or
 * any body that is not JSON) is printed chunk by chunk as it arrives; a JSON
 * body is gathered and printed indented when it ends.
 */
const printingStream = () => {
  let prelude: Buffer | undefined = Buffer.alloc(0)
  let jsonBody: Buffer[] | undefined
  let contentType: unknown
  const print = (chunk: Buffer) => {
    if (jsonBody) jsonBody.push(chunk)
    else process.stdout.write(chunk)
  }
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (prelude === undefined) {
        print(chunk)
        return callback()
      }
      prelude = Buffer.concat([prelude, chunk])
      const at = prelude.indexOf(preludeDelimiter)
      if (at >= 0) {
        const text = prelude.subarray(0, at).toString('utf8')
        console.log(`prelude: ${text}\nbody:`)
        const headers = (parsedJson(text)?.value as { headers?: unknown } | undefined)?.headers
        contentType = headerValue(headers, 'content-type')
        if (isJsonType(contentType)) jsonBody = []
        print(prelude.subarray(at + preludeDelimiter.length))
        prelude = undefined
      }
      callback()
    },
    final(callback) {
      if (prelude?.length) process.stdout.write(prelude)
      if (jsonBody) {
        process.stdout.write(readableBody(Buffer.concat(jsonBody).toString('utf8'), contentType))
      }
      process.stdout.write('\n')
      callback()
    },
  })
}

const main = async () => {
  const [name, file] = process.argv.slice(2)
  if (!name || !file || !(handlerNames as readonly string[]).includes(name)) {
    console.error(usage)
    process.exit(2)
  }
  const template = await readFile(file, 'utf8')
  const stack = await startThrowawayStack({
    sampleAgents: !agentFreeHandlers.includes(name) || /\{\{agentUrl:/.test(template),
  })
  try {
    let text = template
    for (const [placeholder, clientId] of template.matchAll(/\{\{token:([\w-]+)\}\}/g)) {
      text = text.replace(placeholder, await stack.token(clientId as string))
    }
    text = text.replace(/\{\{agentUrl:([\w-]+)\}\}/g, (_match, agentId: string) => {
      const agent = stack.agents.find((candidate) => candidate.agentId === agentId)
      if (!agent) throw new Error(`no sample agent '${agentId}'`)
      return agent.url
    })
    const event = JSON.parse(text)
    const { handler } = await import(`../handlers/${name as HandlerName}.ts`)
    // A streaming function's time is its 15 minutes, as on AWS and under `npm start`: the agents
    // handler ends a call ten seconds before its function's time runs out.
    const context = lambdaContext(
      `switchboard-${name}`,
      isStreamingHandler(handler) ? integrationTimeoutMs.streaming : undefined,
    )
    try {
      if (isStreamingHandler(handler)) await handler(event, printingStream(), context)
      else console.log(readableResult(await handler(event, context)))
    } catch (error) {
      // As Lambda reports a function error.
      const { name: errorType, message: errorMessage } = error as Error
      console.log(JSON.stringify({ errorType, errorMessage }, null, 2))
    }
  } finally {
    await stack.stop()
  }
}

main().catch((error: Error) => {
  console.error(`invoke failed: ${error.message}`)
  process.exit(1)
})
