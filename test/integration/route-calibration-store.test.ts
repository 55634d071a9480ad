import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DynamoRouteThresholdStore,
  type StoredCalibration,
} from '../../lib/discovery/route-settings.ts'
import { tableName } from '../../lib/tables.ts'
import { documentClientOn, type TestDatabase } from '../support/databases.ts'
import { startInProcessDynalite } from '../support/in-process-dynalite.ts'

const prefix = 'calib-'
const settings = tableName('settings', prefix)

/** A calibration as this release stores it. */
const calibration: StoredCalibration = {
  threshold: { minScore: 0.31, minMargin: 0.05 },
  rates: { right: 0.9, wrong: 0.02, refused: 0.08 },
  precision: 0.98,
  coverage: 0.92,
  examples: 40,
  agents: 8,
  embeddingCalls: 48,
  embedder: 'local',
  dimension: 384,
  calibratedAt: '2026-12-08T02:00:00.000Z',
  crossedExamples: [],
}

/** One another release stored: `precision` renamed, `rates` reshaped, a field this one lacks. */
const laterReleases = {
  threshold: { minScore: 0.4, minMargin: 0.06 },
  rates: { right: '90 %' },
  precisionOnExamples: 0.97,
  coverage: 0.9,
  examples: 41,
  agents: 8,
  embeddingCalls: 48,
  embedder: 'local',
  dimension: 384,
  calibratedAt: '2026-12-09T02:00:00.000Z',
  routedBy: 'a later release',
}

describe('the stored /route calibration, when another release wrote it', () => {
  let database: TestDatabase
  let client: ReturnType<typeof documentClientOn>
  let store: DynamoRouteThresholdStore

  beforeAll(async () => {
    database = await startInProcessDynalite(prefix)
    client = documentClientOn(database)
    store = new DynamoRouteThresholdStore(client, settings)
  })
  afterAll(async () => {
    client.destroy()
    await database.stop()
  })

  const storeLaterReleases = () =>
    client.send(
      new PutCommand({
        TableName: settings,
        Item: { name: 'route-threshold', value: laterReleases },
      }),
    )
  const stored = async () =>
    (await client.send(new GetCommand({ TableName: settings, Key: { name: 'route-threshold' } })))
      .Item?.value

  it('replaces it with a new calibration and hands it back whole, as stored, for the audit', async () => {
    // Prepare
    await storeLaterReleases()

    // Act
    const replaced = await store.put(calibration)

    // Assess: the write's answer is no refusal of what it already replaced
    expect(replaced).toEqual({ stored: laterReleases, read: undefined })
    expect(await stored()).toEqual(calibration)
  })

  it('removes it and hands it back whole, as stored', async () => {
    // Prepare
    await storeLaterReleases()

    // Act
    const removed = await store.remove()

    // Assess
    expect(removed).toEqual({ stored: laterReleases, read: undefined })
    expect(await stored()).toBeUndefined()
  })

  it('hands back one this release reads as it reads it', async () => {
    // Prepare
    await store.put(calibration)

    // Act
    const replaced = await store.put({ ...calibration, calibratedAt: '2026-12-08T03:00:00.000Z' })

    // Assess
    expect(replaced).toEqual({ stored: calibration, read: calibration })
  })

  it('hands back whole, for the audit, one this release reads but that holds a field it lacks', async () => {
    // Prepare: a later release's calibration with one field added, which this release's reading
    // drops (and an older one's, without crossedExamples, which its reading fills in)
    const { crossedExamples: _notYetTallied, ...older } = calibration
    const withAddedField = { ...older, routedBy: 'a later release' }
    await client.send(
      new PutCommand({
        TableName: settings,
        Item: { name: 'route-threshold', value: withAddedField },
      }),
    )

    // Act
    const removed = await store.remove()

    // Assess: the trail's copy is what was stored; the script's summary reads it as this release
    expect(removed).toEqual({ stored: withAddedField, read: calibration })
  })
})
