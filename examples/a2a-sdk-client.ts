// The official A2A SDK (@a2a-js/sdk) calling an agent through the gateway: one
// answer, then one streamed answer. With `npm start` running:
//   npx node examples/a2a-sdk-client.ts
import { type Part, SendMessageRequest, TaskState, taskStateToJSON } from '@a2a-js/sdk'
import {
  ClientFactory,
  createAuthenticatingFetchWithRetry,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client'

const gatewayUrl = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000'

// A token from the local token endpoint for the demo client of local/seed.json
// (on AWS: Cognito's token URL and your app client). It lasts an hour.
const tokenResponse = await fetch(`${gatewayUrl}/oauth2/token`, {
  method: 'POST',
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: 'demo-client',
    client_secret: 'demo-secret-local-only',
  }),
})
if (!tokenResponse.ok) throw new Error(`token endpoint answered ${tokenResponse.status}`)
const { access_token: token } = (await tokenResponse.json()) as { access_token: string }

// The gateway wants the token on every request: the card's and both bindings'.
// The SDK sends it only through a fetch given to each of the three.
const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
  headers: async () => ({ authorization: `Bearer ${token}` }),
  shouldRetryWithHeaders: async () => undefined,
})
const factory = new ClientFactory({
  transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
  cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
})
// With the trailing slash: the SDK reads the card relative to this URL.
const client = await factory.createFromUrl(`${gatewayUrl}/agents/weather/`)

const message = (text: string) =>
  SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] },
  })
const textOf = (parts: Part[] = []) =>
  parts.map((part) => (part.content?.$case === 'text' ? part.content.value : '')).join('')

// Unary: the answer is a task (its artifacts hold the text) or a message.
const answer = await client.sendMessage(message('Weather in Tokyo?'))
console.log(
  'artifacts' in answer
    ? answer.artifacts.map((artifact) => textOf(artifact.parts)).join('')
    : textOf(answer.parts),
)

// Streaming: each event as the agent sends it.
for await (const event of client.sendMessageStream(message('Weather in Lima in July?'))) {
  const { payload } = event
  if (payload?.$case === 'statusUpdate') {
    const state = payload.value.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED
    console.log(`[${taskStateToJSON(state)}]`)
  } else if (payload?.$case === 'artifactUpdate') {
    console.log(textOf(payload.value.artifact?.parts).trimEnd())
  }
}
