import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'

describe('the OpenAPI document through the local gateway', () => {
  let stack: RunningStack

  beforeAll(async () => {
    // No sample agents: no test here calls them (a stack without them starts in less CPU).
    stack = await startThrowawayStack({ sampleAgents: false })
  })
  afterAll(() => stack.stop())

  it('serves /openapi.json to anyone, valid OpenAPI 3.1, naming this gateway and its token endpoint', async () => {
    // Act
    const response = await fetch(`${stack.url}/openapi.json`)
    const document = await response.json()

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect((await new Validator().validate(document)).valid).toBe(true)
    expect(document.servers).toEqual([{ url: stack.url }])
    expect(document.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\//,
    )
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/admin/agents/{agentId}', '/admin/audit', '/search', '/health']),
    )
  })
})
