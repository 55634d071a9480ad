import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { jsonRpc, postA2A, textMessageParams } from '../support/a2a-client.ts'
import { adminJsonCaller } from '../support/admin-api.ts'
import { tokenFor } from '../support/client-credentials.ts'

/**
 * A gateway that accepts only the clients it lists (ALLOWED_CLIENT_IDS, as Terraform sets it with
 * `restrict_client_ids`): a client made through the admin API is made, but its tokens are
 * refused, and every answer that shows it says so.
 */
describe('callers made while the gateway accepts only the clients it lists', () => {
  let stack: RunningStack
  let admin: string

  const adminCall = adminJsonCaller(() => ({ url: stack.url, token: admin }))

  beforeAll(async () => {
    // Read by the handlers the stack imports, as on AWS from Terraform.
    process.env.ALLOWED_CLIENT_IDS = 'admin-client,demo-client'
    stack = await startThrowawayStack()
    admin = await stack.token('admin-client')
  })
  afterAll(async () => {
    await stack?.stop()
    delete process.env.ALLOWED_CLIENT_IDS
  })

  it('marks a new client tokensRefused when made, made again by its key, listed, read and changed, and refuses its token', async () => {
    // Act
    const key = { 'idempotency-key': crypto.randomUUID() }
    const made = await adminCall(
      'POST',
      '/admin/clients',
      { name: 'billing', scopes: ['weather:invoke'] },
      key,
    )
    const madeAgain = await adminCall(
      'POST',
      '/admin/clients',
      { name: 'billing', scopes: ['weather:invoke'] },
      key,
    )
    const { clientId, clientSecret } = madeAgain.body as { clientId: string; clientSecret: string }
    const listed = await adminCall('GET', '/admin/clients')
    const read = await adminCall('GET', `/admin/clients/${clientId}`)
    const changed = await adminCall('PATCH', `/admin/clients/${clientId}`, { name: 'billing-2' })
    const granted = await tokenFor(stack.url, clientId, clientSecret)
    const called = await postA2A(
      `${stack.url}/agents/weather`,
      granted.token as string,
      jsonRpc('SendMessage', textMessageParams('Will it rain in Oslo?')),
    )

    // Assess
    expect(made).toMatchObject({ status: 201, body: { name: 'billing', tokensRefused: true } })
    expect(madeAgain).toMatchObject({
      status: 201,
      body: { clientId: made.body.clientId, tokensRefused: true },
    })
    const clients = (listed.body as { clients: { clientId: string; tokensRefused?: true }[] })
      .clients
    expect(clients.find((client) => client.clientId === clientId)?.tokensRefused).toBe(true)
    expect(clients.find((client) => client.clientId === 'demo-client')).not.toHaveProperty(
      'tokensRefused',
    )
    expect(read.body).toMatchObject({ clientId, tokensRefused: true })
    expect(changed).toMatchObject({ status: 200, body: { name: 'billing-2', tokensRefused: true } })
    // Its token is issued (the identity provider knows the client), and refused by the gateway.
    expect(granted.status).toBe(200)
    expect(called.status).toBe(401)
  })
})
