/**
 * `npm run reindex`: embeds every registered agent again into the search
 * index, e.g. after a failed embedding or a change of embedder. Uses the same
 * configuration as the handlers (the environment; for the laptop's state, run it
 * while `npm start` is stopped, with the same SWITCHBOARD_STATE_DIR).
 */
import { join } from 'node:path'
import { loadConfig, loadLocalConfig } from '../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../lib/discovery/adapters.ts'
import { reindexAgents } from '../lib/discovery/agent-index.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { tableName } from '../lib/tables.ts'
import { startLocalDatabase } from './database.ts'

const main = async () => {
  const local = !process.env.TOKEN_ISSUER
  let stopDatabase: () => Promise<void> = async () => {}
  if (local) {
    // The laptop: open the embedded database and index where npm start keeps them.
    const { stateDir } = loadLocalConfig()
    const database = await startLocalDatabase({
      dir: join(stateDir, 'db'),
      tablePrefix: 'switchboard-',
    })
    stopDatabase = database.stop
    Object.assign(process.env, {
      TOKEN_ISSUER: 'http://127.0.0.1',
      DYNAMODB_ENDPOINT: database.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // npm start's embedder: the offline model unless EMBEDDER names another.
      EMBEDDER: process.env.EMBEDDER || 'local',
      VECTOR_INDEX: 'local',
      VECTOR_INDEX_FILE: join(stateDir, 'vectors.json'),
    })
  }
  const config = loadConfig()
  const registry = new DynamoAgentRegistry(
    createDocumentClient(config),
    tableName('agents', config.tablePrefix),
  )
  const search = { embedder: embedderFor(config), index: vectorIndexFor(config) }
  let failed = 0
  try {
    ;({ failed } = await reindexAgents(
      registry,
      search,
      () => true,
      ({ agentId, error }) =>
        error
          ? console.error(`could not index ${agentId}: ${error.message}`)
          : console.log(`indexed ${agentId}`),
    ))
  } finally {
    await stopDatabase()
  }
  if (failed > 0) process.exit(1)
}

main().catch((error: Error) => {
  console.error(`reindex failed: ${error.message}`)
  process.exit(1)
})
