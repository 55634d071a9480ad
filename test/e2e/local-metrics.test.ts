import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'

describe('GET /metrics on the local gateway (npm start)', () => {
  let stack: RunningStack
  let token: string

  beforeAll(async () => {
    stack = await startThrowawayStack()
    token = await stack.token('demo-client')
  })
  afterAll(() => stack.stop())

  it('shows per-agent call counters and a latency histogram in the Prometheus text format, without a token', async () => {
    // Prepare: two calls and a stream to the calculator, one call to the weather agent.
    for (const text of ['2+2', '3*3']) {
      const answer = await postA2A(
        `${stack.url}/agents/calculator`,
        token,
        jsonRpc('SendMessage', textMessageParams(text)),
      )
      await answer.text()
    }
    const stream = await postA2A(
      `${stack.url}/agents/calculator/message:stream`,
      token,
      textMessageParams('4*4'),
    )
    await stream.text()
    const weather = await postA2A(
      `${stack.url}/agents/weather`,
      token,
      jsonRpc('SendMessage', textMessageParams('Weather in Tokyo?')),
    )
    await weather.text()

    // Act
    const response = await fetch(`${stack.url}/metrics`)
    const text = await response.text()

    // Assess
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(text).toContain('# TYPE switchboard_calls_total counter')
    expect(text).toContain('switchboard_calls_total{agent="calculator",operation="SendMessage"} 2')
    expect(text).toContain('switchboard_calls_total{agent="weather",operation="SendMessage"} 1')
    expect(text).toContain('# TYPE switchboard_call_duration_milliseconds histogram')
    expect(text).toMatch(
      /switchboard_call_duration_milliseconds_count\{agent="calculator",operation="SendMessage"\} 2/,
    )
    expect(text).toMatch(
      /switchboard_call_duration_milliseconds_bucket\{le="\+Inf",agent="calculator",operation="SendMessage"\} 2/,
    )
    expect(text).toContain('switchboard_streams_total{agent="calculator"} 1')
    expect(text).toMatch(/switchboard_stream_duration_milliseconds_count\{agent="calculator"\} 1/)
  })

  it('counts a request the authorizer turned away by reason', async () => {
    // Prepare
    const refused = await postA2A(
      `${stack.url}/agents/calculator`,
      'not-a-token',
      jsonRpc('SendMessage', textMessageParams('1+1')),
    )
    await refused.text()

    // Act
    const text = await (await fetch(`${stack.url}/metrics`)).text()

    // Assess
    expect(refused.status).toBe(401)
    expect(text).toMatch(/switchboard_authorizer_denials_total\{reason="ERR_JWS_INVALID"\} [1-9]/)
  })
})
