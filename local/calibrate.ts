/**
 * `npm run calibrate`: calibrates `/route`'s threshold from the registered
 * agents' skill examples and stores it, as `POST /admin/route/calibrate` does
 * on AWS (the same code, calibrateRouting). Uses the same configuration as the
 * handlers (the environment; for the laptop's state, run it while `npm start`
 * is stopped, with the same SWITCHBOARD_STATE_DIR).
 */
import { loadConfig } from '../lib/config.ts'
import { embedderFor, vectorIndexFor } from '../lib/discovery/adapters.ts'
import {
  calibrateRouting,
  DynamoRouteThresholdStore,
  type ReplacedCalibration,
  type StoredCalibration,
} from '../lib/discovery/route-settings.ts'
import type { RouteThreshold } from '../lib/discovery/route-threshold.ts'
import { createDocumentClient } from '../lib/dynamo.ts'
import { DynamoAgentRegistry } from '../lib/registry/agent-registry.ts'
import { tableName } from '../lib/tables.ts'
import { openScriptState } from './script-state.ts'

const percent = (share: number) => `${(share * 100).toFixed(1)} %`

/** The agents that crossed beyond those named (the answer names at most 10). */
const moreCrossed = ({ crossedAgents = 0, crossedExamples }: StoredCalibration) =>
  crossedAgents > crossedExamples.length
    ? `, and ${crossedAgents - crossedExamples.length} more agent${crossedAgents - crossedExamples.length === 1 ? '' : 's'}`
    : ''

/** What the new calibration took the place of, as the script's output says it. */
const replacing = (before: ReplacedCalibration | undefined, configured: RouteThreshold) => {
  if (before === undefined) {
    return `replaces the configured score ${configured.minScore}, lead ${configured.minMargin}`
  }
  if (!before.read) {
    return 'replaces a calibration another release stored (the audit trail keeps it)'
  }
  const { threshold, calibratedAt } = before.read
  return `replaces score ${threshold.minScore.toFixed(3)}, lead ${threshold.minMargin.toFixed(3)} (${calibratedAt})`
}

const main = async () => {
  const state = await openScriptState()
  const config = loadConfig()
  const documentClient = createDocumentClient(config)
  try {
    const { before, after } = await calibrateRouting({
      registry: new DynamoAgentRegistry(documentClient, tableName('agents', config.tablePrefix)),
      embedder: embedderFor(config),
      index: vectorIndexFor(config),
      store: new DynamoRouteThresholdStore(
        documentClient,
        tableName('settings', config.tablePrefix),
      ),
      maxEmbeddings: config.discovery.calibrationMaxEmbeddings,
      minMargin: config.discovery.routeThreshold.minMargin,
    })
    console.log(
      [
        `calibrated /route from ${after.examples} skill examples of ${after.agents} agents (${after.embeddingCalls} embedding calls, ${after.embedder})`,
        ...(after.agentVectors
          ? [
              `agents' vectors: ${after.agentVectors.fromIndex} read from the search index, ${after.agentVectors.embedded} embedded (the index lacked them: ${after.agentVectors.notIndexed ?? 0} of agents being indexed again, ${after.agentVectors.missing ?? 0} missing, which npm run reindex mends)`,
            ]
          : []),
        `threshold: score ${after.threshold.minScore.toFixed(3)}, lead over the next ${after.threshold.minMargin.toFixed(3)}`,
        `on the examples: precision ${percent(after.precision)}, coverage ${percent(after.coverage)} (right ${percent(after.rates.right)}, wrong ${percent(after.rates.wrong)}, refused ${percent(after.rates.refused)})`,
        replacing(before, config.discovery.routeThreshold),
        ...(after.crossedExamples.length > 0
          ? [
              `examples scored another agent first: ${after.crossedExamples
                .map(
                  ({ agentId, examples, lostToOthers, takenFromOthers }) =>
                    `${agentId} ${lostToOthers} of its ${examples} (took ${takenFromOthers} of others')`,
                )
                .join(', ')}${moreCrossed(after)}`,
            ]
          : []),
      ].join('\n'),
    )
  } finally {
    documentClient.destroy()
    await state.close()
  }
}

main().catch((error: Error) => {
  console.error(`calibrate failed: ${error.message}`)
  process.exit(1)
})
