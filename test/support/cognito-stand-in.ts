import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { asyncListener } from './async-listener.ts'

type Json = Record<string, unknown>

interface StoredClient {
  settings: Json
  secrets: { ClientSecretId: string; ClientSecretValue: string; ClientSecretCreateDate: number }[]
}

/** Cognito's error answer in its JSON 1.1 protocol: 400 with `__type`. */
class CognitoFault extends Error {
  readonly type: string
  constructor(type: string, message: string) {
    super(message)
    this.type = type
  }
}

const targetPrefix = 'AWSCognitoIdentityProviderService.'

/**
 * A local stand-in for the Cognito user pools API (JSON 1.1,
 * `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`) holding one pool with
 * one resource server: enough of the operations the caller registry uses,
 * answering as Cognito answers, and recording every request it was sent so a
 * contract test can pin them.
 *
 * @example
 * const cognito = await startCognitoStandIn({ userPoolId, identifier: 'switchboard', scopes })
 * new CognitoIdentityProviderClient({ endpoint: cognito.url, region: 'us-east-1', credentials })
 */
export const startCognitoStandIn = async (options: {
  userPoolId: string
  identifier: string
  name?: string
  scopes: { ScopeName: string; ScopeDescription: string }[]
}) => {
  const requests: { operation: string; input: Json }[] = []
  /** Faults to answer, once each, in place of an operation's answer (throttling, a quota). */
  const faults: { operation: string; type: string; message: string }[] = []
  let resourceServer = {
    UserPoolId: options.userPoolId,
    Identifier: options.identifier,
    Name: options.name ?? `${options.identifier} gateway`,
    Scopes: options.scopes,
  }
  const clients = new Map<string, StoredClient>()
  /** Where each NextToken given out resumes the list. */
  const pageTokens = new Map<string, number>()
  let clock = Date.UTC(2026, 0, 1) / 1000

  const clientOf = (input: Json) => {
    if (input.UserPoolId !== options.userPoolId) {
      throw new CognitoFault('ResourceNotFoundException', 'User pool does not exist.')
    }
    const client = clients.get(String(input.ClientId))
    if (!client)
      throw new CognitoFault('ResourceNotFoundException', 'User pool client does not exist.')
    return client
  }
  const newSecret = () => ({
    ClientSecretId: `secret-${randomBytes(4).toString('hex')}`,
    ClientSecretValue: randomBytes(24).toString('hex'),
    ClientSecretCreateDate: clock++,
  })
  const described = (clientId: string, client: StoredClient) => ({
    ...client.settings,
    UserPoolId: options.userPoolId,
    ClientId: clientId,
    ...(client.secrets[0] ? { ClientSecret: client.secrets[0].ClientSecretValue } : {}),
  })

  const createClient = (input: Json) => {
    const clientId = randomBytes(13).toString('hex')
    const { UserPoolId: _pool, GenerateSecret, ...settings } = input
    const client = { settings, secrets: GenerateSecret ? [newSecret()] : [] }
    clients.set(clientId, client)
    return described(clientId, client)
  }

  const operations: Record<string, (input: Json) => Json> = {
    DescribeResourceServer: (input) => {
      if (input.Identifier !== options.identifier) {
        throw new CognitoFault('ResourceNotFoundException', 'Resource server does not exist.')
      }
      return { ResourceServer: resourceServer }
    },
    UpdateResourceServer: (input) => {
      if (typeof input.Name !== 'string')
        throw new CognitoFault('InvalidParameterException', 'Name required')
      resourceServer = {
        ...resourceServer,
        Name: input.Name,
        Scopes: (input.Scopes ?? []) as typeof resourceServer.Scopes,
      }
      return { ResourceServer: resourceServer }
    },
    CreateUserPoolClient: (input) => ({ UserPoolClient: createClient(input) }),
    DescribeUserPoolClient: (input) => ({
      UserPoolClient: described(String(input.ClientId), clientOf(input)),
    }),
    // In pages of MaxResults (1 to 60, Cognito's range), each NextToken an opaque token of this
    // pool's; one it did not give is refused, as a parameter Cognito cannot read.
    ListUserPoolClients: (input) => {
      const maxResults = input.MaxResults ?? 60
      if (typeof maxResults !== 'number' || maxResults < 1 || maxResults > 60) {
        throw new CognitoFault('InvalidParameterException', 'MaxResults must be 1 to 60.')
      }
      const start = input.NextToken === undefined ? 0 : pageTokens.get(String(input.NextToken))
      if (start === undefined)
        throw new CognitoFault('InvalidParameterException', 'Invalid pagination token.')
      const all = [...clients]
      const end = start + maxResults
      const NextToken = end < all.length ? `page-${randomBytes(8).toString('base64')}` : undefined
      if (NextToken) pageTokens.set(NextToken, end)
      return {
        UserPoolClients: all.slice(start, end).map(([ClientId, client]) => ({
          ClientId,
          ClientName: client.settings.ClientName,
          UserPoolId: options.userPoolId,
        })),
        ...(NextToken ? { NextToken } : {}),
      }
    },
    UpdateUserPoolClient: (input) => {
      const client = clientOf(input)
      const { UserPoolId: _pool, ClientId: _id, ...settings } = input
      // The whole client is replaced: what is left out is gone, as on Cognito.
      client.settings = settings
      return { UserPoolClient: described(String(input.ClientId), client) }
    },
    DeleteUserPoolClient: (input) => {
      clientOf(input)
      clients.delete(String(input.ClientId))
      return {}
    },
    AddUserPoolClientSecret: (input) => {
      const client = clientOf(input)
      if (client.secrets.length >= 2) {
        throw new CognitoFault('LimitExceededException', 'An app client holds at most 2 secrets.')
      }
      const secret = newSecret()
      client.secrets.push(secret)
      return { ClientSecretDescriptor: secret }
    },
    ListUserPoolClientSecrets: (input) => ({
      ClientSecrets: clientOf(input).secrets.map(({ ClientSecretValue: _value, ...rest }) => rest),
    }),
    DeleteUserPoolClientSecret: (input) => {
      const client = clientOf(input)
      if (client.secrets.length <= 1) {
        throw new CognitoFault('InvalidParameterException', 'The last secret cannot be deleted.')
      }
      client.secrets = client.secrets.filter(
        ({ ClientSecretId }) => ClientSecretId !== input.ClientSecretId,
      )
      return {}
    },
  }

  const server = createServer(
    asyncListener(async (request, response) => {
      let text = ''
      for await (const chunk of request) text += chunk
      const operation = String(request.headers['x-amz-target'] ?? '').replace(targetPrefix, '')
      const input = JSON.parse(text || '{}') as Json
      requests.push({ operation, input })
      const answer = (status: number, body: Json) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
        response.end(JSON.stringify(body))
      }
      const fault = faults.findIndex((each) => each.operation === operation)
      if (fault !== -1) {
        const [{ type, message }] = faults.splice(fault, 1) as [(typeof faults)[0]]
        return answer(400, { __type: type, message })
      }
      const run = operations[operation]
      if (!run) return answer(400, { __type: 'UnknownOperationException', message: operation })
      try {
        answer(200, run(input))
      } catch (error) {
        if (!(error instanceof CognitoFault)) throw error
        answer(400, { __type: error.type, message: error.message })
      }
    }),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Every request so far, in order: the operation and its JSON input. */
    requests,
    /** Answers the next `operation` with Cognito's error `type` instead, once. */
    failNext: (operation: string, type: string, message: string) =>
      void faults.push({ operation, type, message }),
    /** The requests of one operation. */
    sent: (operation: string) => requests.filter((each) => each.operation === operation),
    resourceServer: () => resourceServer,
    /** A client's stored settings and secrets, as Cognito holds them. */
    client: (clientId: string) => clients.get(clientId),
    /** Puts a client-credentials client in the pool, as CreateUserPoolClient would, sending nothing. */
    holdClient: (name: string, scopes: string[]) =>
      createClient({
        UserPoolId: options.userPoolId,
        ClientName: name,
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: scopes,
      }).ClientId,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
