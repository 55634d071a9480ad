import type { AgentCard } from '@a2a-js/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataOf, textOf } from '../../../agents/a2a/parts.ts'
import type { RunningAgent } from '../../../agents/serve.ts'
import { startWeatherAgent } from '../../../agents/weather/agent.ts'
import {
  clientFor,
  collectStream,
  eventLabel,
  sendForTask,
  stateName,
  TRANSPORTS,
} from './support/client.ts'
import { answerText, dataRequest, statusText, textRequest } from './support/messages.ts'

describe('weather agent', () => {
  let agent: RunningAgent

  beforeAll(async () => {
    agent = await startWeatherAgent()
  })

  afterAll(async () => {
    await agent.close()
  })

  it('serves an A2A 1.0 card with the get_weather skill, described for search', async () => {
    // Act
    const card = (await (await fetch(agent.cardUrl)).json()) as AgentCard

    // Assess
    expect(card.name).toBe('Weather')
    expect(card.supportedInterfaces.map((i) => [i.protocolBinding, i.url])).toEqual([
      ['JSONRPC', `${agent.url}/a2a/jsonrpc`],
      ['HTTP+JSON', `${agent.url}/a2a/rest`],
    ])
    const [skill] = card.skills
    expect(skill?.id).toBe('get_weather')
    expect(skill?.tags).toContain('weather')
    expect(skill?.description).toMatch(/location/)
  })

  it('names on its card every field of a structured answer, for a known city and an unknown one', async () => {
    // Prepare
    const card = (await (await fetch(agent.cardUrl)).json()) as AgentCard
    const client = await clientFor(agent, 'JSONRPC')

    // Act
    const answers = await Promise.all(
      [{ location: 'Seoul', month: 7 }, { location: 'Atlantis' }].map((input) =>
        sendForTask(client, dataRequest(input)),
      ),
    )

    // Assess
    const description = card.skills[0]?.description ?? ''
    for (const task of answers) {
      const data = (task.artifacts[0]?.parts ?? []).map(dataOf).find((value) => value !== undefined)
      for (const field of Object.keys(data as object)) expect(description).toContain(field)
    }
  })

  describe.each(TRANSPORTS)('over %s', (transport) => {
    it('answers "weather in Tokyo" naming Tokyo and saying it is typical, not live', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, textRequest('weather in Tokyo'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_COMPLETED')
      const text = answerText(task)
      expect(text).toContain('Tokyo')
      expect(text).toMatch(/typical/i)
      expect(text).toMatch(/not a live forecast/)
      expect(text).toMatch(/-?\d+ °C \(-?\d+ °F\)/)
    })

    it('streams submitted, working "Looking up Berlin…", the answer line by line, then completed', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const events = await collectStream(
        client,
        textRequest('What is the weather in Berlin right now?'),
      )

      // Assess
      const labels = events.map(eventLabel)
      expect(labels[0]).toBe('task TASK_STATE_SUBMITTED')
      expect(labels[1]).toBe('statusUpdate TASK_STATE_WORKING')
      expect(labels.at(-1)).toBe('statusUpdate TASK_STATE_COMPLETED')
      const middle = labels.slice(2, -1)
      expect(middle.length).toBeGreaterThanOrEqual(2)
      expect(new Set(middle)).toEqual(new Set(['artifactUpdate']))
      const working = events[1]?.payload
      const workingText =
        working?.$case === 'statusUpdate'
          ? working.value.status?.message?.parts.map(textOf).join('')
          : undefined
      expect(workingText).toBe('Looking up Berlin…')
      const times = events.map((event) => event.at)
      expect((times.at(-2) ?? 0) - (times[2] ?? 0)).toBeGreaterThanOrEqual(30)
    })

    it('returns a data part with the typical values for a structured call', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, dataRequest({ location: 'Seoul', month: 7 }))

      // Assess
      const data = (task.artifacts[0]?.parts ?? []).map(dataOf).find((value) => value !== undefined)
      expect(data).toMatchObject({
        city: 'Seoul',
        country: 'South Korea',
        month: 7,
        highC: expect.any(Number),
        lowC: expect.any(Number),
        rainyDays: expect.any(Number),
        source: expect.stringMatching(/climate normals/),
        note: expect.stringMatching(/not a live forecast/),
      })
      expect(answerText(task)).toContain('Typical July weather in Seoul, South Korea')
    })

    it('asks for another city, listing the known ones, when asked in words about an unknown city', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, textRequest("What's the weather in Atlantis?"))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_INPUT_REQUIRED')
      expect(statusText(task)).toMatch(/"Atlantis".*Cities I know: .*Tokyo/s)
    })

    it('answers a structured call for an unknown city with found: false rather than failing', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, dataRequest({ location: 'Atlantis' }))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_COMPLETED')
      expect(answerText(task)).toMatch(/"Atlantis".*Cities I know: .*Tokyo/s)
      const data = (task.artifacts[0]?.parts ?? []).map(dataOf).find((value) => value !== undefined)
      expect(data).toMatchObject({ found: false, location: 'Atlantis' })
    })

    it('fails a structured call without a location, saying what is missing', async () => {
      // Prepare
      const client = await clientFor(agent, transport)

      // Act
      const task = await sendForTask(client, dataRequest({ month: 7 }, 'get_weather'))

      // Assess
      expect(stateName(task)).toBe('TASK_STATE_FAILED')
      expect(statusText(task)).toMatch(/location is required/)
    })
  })
})
