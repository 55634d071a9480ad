import { describe, expect, it } from 'vitest'
import { queryParams, queryParamTypes } from '../../../lib/a2a/query-params.ts'

describe('A2A 1.0 HTTP+JSON query params', () => {
  it('names the query params of the GETs the spec defines, typed as its proto types them', () => {
    // Assess: a2a.proto (v1.0.1), each GET's fields its path does not hold, tenant aside
    expect(queryParams.GetTask).toEqual({ historyLength: 'int32' })
    expect(queryParams.ListTasks).toEqual({
      contextId: 'string',
      status: 'enum',
      pageSize: 'int32',
      pageToken: 'string',
      historyLength: 'int32',
      statusTimestampAfter: 'timestamp',
      includeArtifacts: 'bool',
    })
    expect(queryParams.ListTaskPushNotificationConfigs).toEqual({
      pageSize: 'int32',
      pageToken: 'string',
    })
    expect(queryParams.SubscribeToTask).toEqual({})
    expect(queryParams.GetTaskPushNotificationConfig).toEqual({})
  })

  it('gives a name the same type in every operation that takes it, as its readers read it by name', () => {
    // Act
    const named = Object.values(queryParams).flatMap((params) => Object.entries(params))

    // Assess
    for (const [name, type] of named) expect(queryParamTypes.get(name)).toBe(type)
  })
})
