import type { AgentCard } from '@a2a-js/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataOf } from '../../../agents/a2a/parts.ts'
import { startCalculatorAgent } from '../../../agents/calculator/agent.ts'
import type { RunningAgent } from '../../../agents/serve.ts'
import {
  clientFor,
  collectStream,
  eventLabel,
  sendForTask,
  stateName,
  TRANSPORTS,
} from './support/client.ts'
import { answerText, dataRequest, statusText, textRequest } from './support/messages.ts'

describe('calculator agent', () => {
  let agent: RunningAgent

  beforeAll(async () => {
    agent = await startCalculatorAgent()
  })

  afterAll(async () => {
    await agent.close()
  })

  it('serves an A2A 1.0 card with both bindings and the calculate and count_primes skills', async () => {
    // Act
    const response = await fetch(agent.cardUrl)
    const card = (await response.json()) as AgentCard

    // Assess
    expect(response.status).toBe(200)
    expect(card.supportedInterfaces).toEqual([
      expect.objectContaining({
        url: `${agent.url}/a2a/jsonrpc`,
        protocolBinding: 'JSONRPC',
        protocolVersion: '1.0',
      }),
      expect.objectContaining({
        url: `${agent.url}/a2a/rest`,
        protocolBinding: 'HTTP+JSON',
        protocolVersion: '1.0',
      }),
    ])
    expect(card.capabilities?.streaming).toBe(true)
    expect(card.defaultInputModes).toEqual(
      expect.arrayContaining(['text/plain', 'application/json']),
    )
    expect(card.skills.map((skill) => skill.id)).toEqual(['calculate', 'count_primes'])
    expect(card.skills[0]?.examples.length).toBeGreaterThan(2)
  })

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('is reached on the binding asked for', async () => {
      // Act
      const client = await clientFor(agent, transport)

      // Assess
      expect(client.transport.protocolName).toBe(transport)
    })

    it('answers 2+2*3 with a completed task that reads "= 8"', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, textRequest('2+2*3'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_COMPLETED')
      expect(answerText(task)).toBe('2+2*3 = 8')
    })

    it('streams submitted, working, the answer in chunks, then completed', async () => {
      // Prepare: chunks 300 ms apart, so that a slow machine delaying the first cannot make
      // them look sent together (a burst would arrive within a few ms)
      const paced = await startCalculatorAgent({ chunkDelayMs: 300 })

      // Act
      const events = await clientFor(paced, transport)
        .then((client) => collectStream(client, textRequest('what is 17% of 2,340?')))
        .finally(() => paced.close())

      // Assess
      expect(events.map(eventLabel)).toEqual([
        'task TASK_STATE_SUBMITTED',
        'statusUpdate TASK_STATE_WORKING',
        'artifactUpdate',
        'artifactUpdate',
        'statusUpdate TASK_STATE_COMPLETED',
      ])
      const chunks = events.flatMap(({ payload }) =>
        payload.$case === 'artifactUpdate' ? [payload.value] : [],
      )
      expect(chunks.map((chunk) => [chunk.append, chunk.lastChunk])).toEqual([
        [false, false],
        [true, true],
      ])
      const [first, last] = events.filter(({ payload }) => payload.$case === 'artifactUpdate')
      expect((last?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(150)
    })

    it('returns the structured result as a data part for a structured call', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(
        client,
        dataRequest({ expression: '5 km in miles' }, 'calculate'),
      )

      // Assess
      const parts = task.artifacts[0]?.parts ?? []
      const data = parts.map(dataOf).find((value) => value !== undefined)
      expect(data).toMatchObject({ expression: '5 km in miles', unit: 'miles' })
      expect((data as { result: number }).result).toBeCloseTo(3.10686, 5)
      expect(answerText(task)).toBe('5 km in miles = 3.106855961 miles')
    })

    it('fails a malformed expression with a message that says why and gives an example', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, textRequest('2+*'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_FAILED')
      expect(statusText(task)).toMatch(/Could not calculate "2\+\*": syntax error.*"2\+2\*3"/)
      expect(task.artifacts).toEqual([])
    })

    it('fails a structured call for another skill, naming its own skills', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, dataRequest({ location: 'Seoul' }, 'get_weather'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_FAILED')
      expect(statusText(task)).toContain('the skills "calculate", "count_primes"')
    })
  })

  it('counts every request it receives, card fetches included', async () => {
    // Prepare
    const before = agent.requestCount()

    // Act
    await fetch(agent.cardUrl)
    await fetch(`${agent.url}/no-such-path`)

    // Assess
    expect(agent.requestCount()).toBe(before + 2)
  })
})
