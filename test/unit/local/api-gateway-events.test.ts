import { describe, expect, it } from 'vitest'
import { matchRoute } from '../../../lib/routes.ts'
import { type IncomingRequest, proxyEvent } from '../../../local/api-gateway-events.ts'

const requestFor = (method: string, path: string): IncomingRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers: { host: '127.0.0.1:3000' },
  rawHeaders: [['Host', '127.0.0.1:3000']],
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  host: '127.0.0.1:3000',
  requestId: 'r-1',
})

/** The REST proxy event the emulator builds for a request, routed as `npm start` routes it. */
const eventFor = (method: string, path: string) => {
  const request = requestFor(method, path)
  const match = matchRoute(method, path)
  if (!match) throw new Error(`no route for ${method} ${path}`)
  return proxyEvent(request, match, undefined)
}

describe("the local API Gateway's proxy event for a percent-encoded path", () => {
  it('keeps the escapes of `path` and `pathParameters` as a live REST API capture does', () => {
    // Act: a live REST capture of `{proxy+}` (hotsock/voker's, as middleapi/standard-server#93
    // cites it) holds `pathParameters.proxy` "capture/space%20value"
    const event = eventFor('GET', '/console/capture/space%20value')

    // Assess
    expect(event).toMatchObject({
      resource: '/console/{proxy+}',
      path: '/console/capture/space%20value',
      pathParameters: { proxy: 'capture/space%20value' },
      requestContext: {
        resourcePath: '/console/{proxy+}',
        path: '/local/console/capture/space%20value',
      },
    })
  })

  it.each([
    ['/admin/permissions/weather%3Ainvoke', { scope: 'weather%3Ainvoke' }],
    ['/admin/permissions/weather%253Ainvoke', { scope: 'weather%253Ainvoke' }],
    ['/admin/permissions/a%2Fb', { scope: 'a%2Fb' }],
    ['/admin/agents/%77eather', { agentId: '%77eather' }],
  ])('hands %s its segment as sent (an encoded slash stays in it)', (path, pathParameters) => {
    // Act
    const event = eventFor('GET', path)

    // Assess
    expect(event.pathParameters).toEqual(pathParameters)
    expect(event.path).toBe(path)
  })
})
