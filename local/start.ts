import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadCalculator } from '../agents/calculator/skill.ts'
import { loadLocalConfig } from '../lib/config.ts'
import { buildConsole, consoleDistDir } from '../scripts/build-console.ts'
import { requestLogLine } from './gateway.ts'
import { clientCredentials, seed } from './seed.ts'
import { startStack } from './stack.ts'

const banner = (url: string) => {
  const demo = clientCredentials('demo-client')
  return `
Switchboard is running at ${url}   (local mode; Ctrl-C stops everything)

  Get a token (local-only demo client):
    TOKEN=$(curl -s -X POST ${url}/oauth2/token \\
      -d grant_type=client_credentials -d client_id=${demo.clientId} -d client_secret=${demo.clientSecret} \\
      | node -pe 'const r = JSON.parse(require("fs").readFileSync(0)); r.access_token ?? process.exit(console.error(r) ?? 1)')

  Ask the weather agent over JSON-RPC:
    curl -s ${url}/agents/weather -H "Authorization: Bearer $TOKEN" \\
      -H 'A2A-Version: 1.0' -H 'Content-Type: application/json' \\
      -d '{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m1","role":"ROLE_USER","parts":[{"text":"Weather in Tokyo?"}]}}}'

  Stream from the calculator over HTTP+JSON (SSE):
    curl -sN ${url}/agents/calculator/message:stream -H "Authorization: Bearer $TOKEN" \\
      -H 'A2A-Version: 1.0' -H 'Content-Type: application/json' \\
      -d '{"message":{"messageId":"m2","role":"ROLE_USER","parts":[{"text":"sqrt(2)*pi"}]}}'

  List your agents:                curl -s ${url}/agents -H "Authorization: Bearer $TOKEN"
  No token (401):                  curl -si ${url}/agents/weather/.well-known/agent-card.json
  Ready (database answers):        curl -s ${url}/health/ready
  Metrics (Prometheus text):       curl -s ${url}/metrics

  Operator console:                ${url}/console
    sign in as (LOCAL ONLY):       ${seed.people.map((person) => `${person.username} / ${person.password}`).join(',  ')}
`
}

const main = async () => {
  const config = loadLocalConfig()
  // A fresh clone has no build yet: the console is built once, here.
  if (!existsSync(join(consoleDistDir, 'index.html'))) {
    const { gzippedJsBytes } = await buildConsole()
    console.log(`Built the console (${(gzippedJsBytes / 1024).toFixed(1)} KiB of JS gzipped).`)
  }
  const stack = await startStack({
    host: config.host,
    port: config.port,
    stateDir: config.stateDir,
    agentPorts: config.agentPorts,
    authorizerCacheTtlSeconds: config.authorizerCacheTtlSeconds,
    logLevel: config.logLevel,
    backendAllowedCidrs: config.backendAllowedCidrs,
    // DynamoDB deletes expired items within a day or two; locally, within a minute.
    expireItemsEveryMs: 60_000,
    onRequest: (line) => console.log(requestLogLine(line)),
  })
  console.log(banner(stack.url))
  console.log(`Ready in ${process.uptime().toFixed(1)} s.`)
  // The calculator loads its math library with its first calculation (most of a second); here,
  // where a person is about to try it, that is done now, and a broken install is said at once.
  loadCalculator().catch((error: Error) =>
    console.error(`The calculator cannot calculate: ${error.message}`),
  )

  let stopping = false
  const shutdown = async () => {
    if (stopping) return
    stopping = true
    console.log('\nStopping…')
    await stack.stop()
    process.exit(0)
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`)
  process.exit(1)
})
