/**
 * Floors: what Node itself costs for what the gateway does, measured the way
 * the gateway is, so that a goal can be read against what is reachable.
 *
 * `bareCall`: Node's floor under the agents handler's CPU per unary call: the same three
 * exchanges a warm SendMessage makes (the rate limiter's UpdateItem, the
 * agent's call, the task owner's UpdateItem), made one after another with bare
 * `node:http` on keep-alive sockets to the same database and agent, with
 * bodies of the same size, and nothing else: no handler, no signing, no
 * validation. What the handler costs above it is the gateway's own; what is
 * below it no handler making these exchanges with Node's HTTP can save.
 */
import { Agent, createServer, request } from 'node:http'
import { listening } from './fast-agent.ts'

export interface FloorTargets {
  /** dynalite's endpoint. */
  databaseUrl: string
  /** An existing table whose partition key is `pk`. */
  tableName: string
  /** The agent's HTTP+JSON base URL. */
  agentUrl: string
}

/** The rate limiter's own UpdateItem, so that the database does the same work. */
export const rateLimiterUpdateItem = (tableName: string, key: string) =>
  JSON.stringify({
    TableName: tableName,
    Key: { pk: { S: key } },
    UpdateExpression: 'ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :expiresAt)',
    ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
    ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
    ExpressionAttributeValues: {
      ':one': { N: '1' },
      ':limit': { N: '100000000' },
      ':expiresAt': { N: '1900000000' },
    },
    ReturnValues: 'UPDATED_NEW',
  })

const exchange = (
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<string> =>
  new Promise((resolve, reject) => {
    const sent = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (response.statusCode === 200) resolve(text)
          else reject(new Error(`${url}: HTTP ${response.statusCode} ${text}`))
        })
        response.on('error', reject)
      },
    )
    sent.on('error', reject)
    sent.end(body)
  })

/** A DynamoDB request's headers as dynalite takes them: it checks that a request is signed, not the signature. */
export const databaseHeaders = (operation: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `DynamoDB_20120810.${operation}`,
  authorization:
    'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc',
  'x-amz-date': '20260101T000000Z',
})

/**
 * One bare "call": three exchanges in turn, each answer read whole and parsed,
 * as the handler reads them. Returns the function; `close` frees its sockets.
 */
export const bareCall = ({ databaseUrl, tableName, agentUrl }: FloorTargets) => {
  const agent = new Agent({ keepAlive: true })
  const database = new URL(databaseUrl)
  const send = new URL(`${agentUrl}/message:send`)
  let made = 0
  const call = async (messageBody: string) => {
    made++
    JSON.parse(
      await exchange(
        agent,
        database,
        databaseHeaders('UpdateItem'),
        rateLimiterUpdateItem(tableName, `floor#${made % 50}`),
      ),
    )
    JSON.parse(
      await exchange(
        agent,
        send,
        { 'content-type': 'application/json', 'a2a-version': '1.0' },
        messageBody,
      ),
    )
    JSON.parse(
      await exchange(
        agent,
        database,
        databaseHeaders('UpdateItem'),
        rateLimiterUpdateItem(tableName, `floor-task#${made}`),
      ),
    )
  }
  return { call, close: () => agent.destroy() }
}

/**
 * A bare relay, Node's floor under the gateway's per-event delay: an HTTP
 * server that sends each request on to `target` (same path below it, same
 * method, headers and body) and pipes the answer back as it comes, nothing
 * else. Run in the gateway's process, it makes the same extra hop between
 * processes that the gateway does.
 */
export const startBareRelay = async (target: string) => {
  const agent = new Agent({ keepAlive: true })
  const server = createServer((incoming, answer) => {
    const { authorization: _, host: __, ...headers } = incoming.headers
    const onward = request(
      new URL(`${target}${incoming.url}`),
      { method: incoming.method, headers, agent },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(answer)
      },
    )
    onward.on('error', () => answer.destroy())
    incoming.pipe(onward)
  })
  const relay = await listening(server)
  return {
    url: relay.url,
    stop: async () => {
      agent.destroy()
      await relay.stop()
    },
  }
}
