import { readFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { isStreamingHandler, preludeDelimiter } from './awslambda-shim.ts'
import { lambdaContext } from './lambda-context.ts'
import { startThrowawayStack } from './stack.ts'

const handlerNames = ['authorizer', 'agents', 'discovery', 'admin'] as const
type HandlerName = (typeof handlerNames)[number]

const usage = `Usage: npm run invoke -- <${handlerNames.join('|')}> events/<file>.json

Runs one handler on a sample event, as \`sam local invoke\` does, against a
throw-away local stack (database, token endpoint, sample agents). In the event,
{{token:<clientId>}} becomes a fresh token for a client of local/seed.json and
{{agentUrl:<agentId>}} the address of a sample agent.`

/** Prints a streamed response as it arrives: the prelude, then each chunk. */
const printingStream = () => {
  let prelude: Buffer | undefined = Buffer.alloc(0)
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (prelude === undefined) {
        process.stdout.write(chunk)
        return callback()
      }
      prelude = Buffer.concat([prelude, chunk])
      const at = prelude.indexOf(preludeDelimiter)
      if (at >= 0) {
        console.log(`prelude: ${prelude.subarray(0, at).toString('utf8')}\nbody:`)
        process.stdout.write(prelude.subarray(at + preludeDelimiter.length))
        prelude = undefined
      }
      callback()
    },
    final(callback) {
      if (prelude?.length) process.stdout.write(prelude)
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
  const stack = await startThrowawayStack()
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
    const context = lambdaContext(`switchboard-${name}`)
    try {
      if (isStreamingHandler(handler)) await handler(event, printingStream(), context)
      else console.log(JSON.stringify(await handler(event, context), null, 2))
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
