// Runs one sample agent on its own until Ctrl-C:
//   npm run agent -- weather 4001
//   npm run agent -- calculator          (a free port)
import { sampleAgents } from './sample-agents.ts'

const [agentId = '', portArgument = '0', host = '127.0.0.1'] = process.argv.slice(2)
const start = sampleAgents[agentId]
const port = Number(portArgument)

if (start === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(
    `Usage: npm run agent -- <${Object.keys(sampleAgents).join('|')}> [port] [host]\n` +
      `Got: agent ${JSON.stringify(agentId)}, port ${JSON.stringify(portArgument)}`,
  )
  process.exit(2)
}

try {
  const agent = await start({ port, host })
  console.log(`${agent.agentId} agent on ${agent.url}`)
  console.log(`  card      ${agent.cardUrl}`)
  console.log(`  JSON-RPC  ${agent.url}/a2a/jsonrpc`)
  console.log(`  HTTP+JSON ${agent.url}/a2a/rest`)
  console.log('Ctrl-C to stop.')
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      agent.close().then(() => process.exit(0))
    })
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
