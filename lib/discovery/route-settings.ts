import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb'
import * as z from 'zod'
import { boundedCache } from '../bounded-cache.ts'
import type { AgentRegistry } from '../registry/agent-registry.ts'
import { tables } from '../tables.ts'
import { type Calibration, calibrateFromCatalog } from './calibrate.ts'
import type { Embedder } from './embedder.ts'
import type { RouteThreshold } from './route-threshold.ts'
import type { VectorIndex } from './vector-index.ts'

/** A calibration as stored: what it measured, for which embedder, and when. */
export interface StoredCalibration extends Calibration {
  dimension: number
  calibratedAt: string
}

const ratesSchema = z.object({ right: z.number(), wrong: z.number(), refused: z.number() })
/** A stored calibration, as `POST /admin/route/calibrate` answers it too. */
export const storedCalibrationSchema = z.object({
  threshold: z.object({ minScore: z.number(), minMargin: z.number() }),
  rates: ratesSchema,
  precision: z.number(),
  coverage: z.number(),
  examples: z.number(),
  agents: z.number(),
  embeddingCalls: z.number(),
  // A calibration stored before 7 December 2026 embedded every vector and did not say so; one
  // stored before the 29th session did not tell those embedded apart.
  agentVectors: z
    .object({
      fromIndex: z.number().describe('Vectors read from the search index, as /route scores them'),
      embedded: z.number().describe('Vectors embedded because the index lacked them'),
      notIndexed: z
        .number()
        .optional()
        .describe(
          'Of embedded: those of agents whose records say they are not indexed, their vectors being replaced (expected)',
        ),
      missing: z
        .number()
        .optional()
        .describe(
          'Of embedded: those the index lacked, or held at another dimension, though their agents are indexed: /route cannot score them until `npm run reindex`',
        ),
    })
    .optional(),
  embedder: z.string(),
  dimension: z.number(),
  calibratedAt: z.string(),
  // A calibration stored before 7 December 2026 did not tally them.
  crossedExamples: z
    .array(
      z.object({
        agentId: z.string(),
        examples: z.number(),
        lostToOthers: z.number(),
        takenFromOthers: z.number(),
      }),
    )
    .default([]),
  // How many agents crossed in all, `crossedExamples` naming at most 10 (absent before 7 Dec 2026).
  crossedAgents: z.number().optional(),
})

/**
 * The calibration a write replaced or removed: whole, as it was stored, for the audit trail, and
 * as this release reads it when it can. Another release may have stored it (met after a rollback
 * or beside it during a deploy): a field renamed or reshaped there makes it unreadable here, a
 * field added there is dropped by this release's reading, and one stored before a field was
 * tallied is read with that field filled in. The write has landed either way, so the answer must
 * not refuse it.
 */
export interface ReplacedCalibration {
  stored: unknown
  /** Undefined when this release cannot read it. */
  read: StoredCalibration | undefined
}

const replaced = (stored: unknown): ReplacedCalibration | undefined => {
  if (stored === undefined) return undefined
  const read = storedCalibrationSchema.safeParse(stored)
  return { stored, read: read.success ? read.data : undefined }
}

/** Where `/route`'s calibrated threshold is kept. */
export interface RouteThresholdStore {
  /** The stored calibration; throws (a ZodError) for one this release cannot read. */
  get(): Promise<StoredCalibration | undefined>
  /** Stores a calibration in place of the last; returns the one replaced. */
  put(calibration: StoredCalibration): Promise<ReplacedCalibration | undefined>
  /** Removes the stored calibration, so `/route` goes back to the configured threshold; returns it. */
  remove(): Promise<ReplacedCalibration | undefined>
}

/** The settings item holding the calibrated threshold. */
const routeThresholdItem = 'route-threshold'

/** The calibrated threshold as one item of the settings table (pk `name` = `route-threshold`). */
export class DynamoRouteThresholdStore implements RouteThresholdStore {
  readonly #client: DynamoDBDocumentClient
  readonly #tableName: string

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client
    this.#tableName = tableName
  }

  async get(): Promise<StoredCalibration | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({
        TableName: this.#tableName,
        Key: { [tables.settings.partitionKey]: routeThresholdItem },
        ConsistentRead: true,
      }),
    )
    return Item ? storedCalibrationSchema.parse(Item.value) : undefined
  }

  async put(calibration: StoredCalibration): Promise<ReplacedCalibration | undefined> {
    const { Attributes } = await this.#client.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { [tables.settings.partitionKey]: routeThresholdItem, value: calibration },
        ReturnValues: 'ALL_OLD',
      }),
    )
    return replaced(Attributes?.value)
  }

  async remove(): Promise<ReplacedCalibration | undefined> {
    const { Attributes } = await this.#client.send(
      new DeleteCommand({
        TableName: this.#tableName,
        Key: { [tables.settings.partitionKey]: routeThresholdItem },
        ReturnValues: 'ALL_OLD',
      }),
    )
    return replaced(Attributes?.value)
  }
}

/**
 * The threshold `/route` uses now: the stored calibration when it was made
 * with this embedder at this dimension (another embedder scores on another
 * scale), otherwise `fallback` (ROUTE_MIN_SCORE, or the embedder's default).
 * Read at most once per `ttlMs` per instance; a failed read falls back rather
 * than failing the message, and is not remembered.
 *
 * @example
 * const threshold = routeThresholdReader(store, { fallback, embedder, dimension: 1024, ttlMs: 60_000 })
 * await chooseAgent(text, caller, { ...deps, threshold: await threshold() })
 */
export const routeThresholdReader = (
  store: Pick<RouteThresholdStore, 'get'>,
  options: {
    fallback: RouteThreshold
    embedder: string
    dimension: number
    ttlMs: number
    now?: () => number
    warn?: (message: string, details: Record<string, unknown>) => void
  },
): (() => Promise<RouteThreshold>) => {
  const cached = boundedCache<StoredCalibration | undefined>(options.ttlMs, options.now ?? Date.now)
  return async function currentRouteThreshold() {
    try {
      const stored = await cached(routeThresholdItem, () => store.get())
      return stored &&
        stored.embedder === options.embedder &&
        stored.dimension === options.dimension
        ? stored.threshold
        : options.fallback
    } catch (error) {
      options.warn?.('calibrated route threshold unreadable; using the configured one', { error })
      return options.fallback
    }
  }
}

/**
 * The admin operation behind `POST /admin/route/calibrate` and `npm run
 * calibrate`: calibrates `/route` from the active agents' cards
 * (calibrateFromCatalog), their vectors read from the index `/route` scores,
 * and stores the outcome, which `/route` then uses.
 * Nothing is stored when the catalog has too few examples (TooFewExamplesError)
 * or the embedder fails. Returns the stored calibration and the one it replaced.
 *
 * @example
 * const { after } = await calibrateRouting({ registry, embedder, index, store, maxEmbeddings: 500, minMargin: 0.05 })
 */
export const calibrateRouting = async (deps: {
  registry: Pick<AgentRegistry, 'list'>
  embedder: Embedder
  index: Pick<VectorIndex, 'vectors'>
  store: Pick<RouteThresholdStore, 'put'>
  maxEmbeddings: number
  minMargin: number
  now?: () => Date
}): Promise<{ before: ReplacedCalibration | undefined; after: StoredCalibration }> => {
  const agents = (await deps.registry.list()).filter(({ status }) => status === 'active')
  const calibration = await calibrateFromCatalog(agents, deps.embedder, {
    maxEmbeddings: deps.maxEmbeddings,
    minMargin: deps.minMargin,
    index: deps.index,
  })
  const after: StoredCalibration = {
    ...calibration,
    dimension: deps.embedder.dimension,
    calibratedAt: (deps.now?.() ?? new Date()).toISOString(),
  }
  return { before: await deps.store.put(after), after }
}
