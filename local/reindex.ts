/**
 * `npm run reindex`: embeds every registered agent again into the search
 * index, e.g. after a failed embedding or a change of embedder, then removes the
 * vectors of agents no record names (removeOrphanVectors). Uses the same
 * configuration as the handlers (the environment; for the laptop's state, run it
 * while `npm start` is stopped, with the same SWITCHBOARD_STATE_DIR).
 */
import { loadConfig } from '../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../lib/discovery/adapters.ts'
import { reindexAgents, removeOrphanVectors } from '../lib/discovery/agent-index.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { tableName } from '../lib/tables.ts'
import { openScriptState } from './script-state.ts'

const main = async () => {
  const state = await openScriptState()
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
    const orphans = await removeOrphanVectors(registry, search, ({ agentId, error, registered }) =>
      !error
        ? console.log(`removed the vectors of ${agentId}, which no agent has`)
        : registered
          ? console.error(
              `could not index ${agentId}, registered while its vectors were removed: ${error.message}`,
            )
          : console.error(
              `could not remove the vectors of ${agentId}, which no agent has: ${error.message}`,
            ),
    ).catch((error: Error) => {
      // The records are embedded already: say it was the index's listing that failed.
      throw new Error(`the index's vectors could not be listed: ${error.message}`)
    })
    failed += orphans.failed
  } finally {
    await state.close()
  }
  if (failed > 0) process.exit(1)
}

main().catch((error: Error) => {
  console.error(`reindex failed: ${error.message}`)
  process.exit(1)
})
