// Registers the sample agents with a freshly deployed gateway and puts their
// permissions, through the admin API; with DEREGISTER set, deregisters that one
// agent instead. Run by register.tf and deregister.tf (terraform_data,
// local-exec) with plain Node.js 20+: no dependencies, no TypeScript.
import { pathToFileURL } from 'node:url'

const attempts = 30
const pause = 10_000
// A sample agent's first card fetch may meet a cold Lambda function (or a
// function URL not yet resolvable) and the gateway answers 422 "agent card
// unreachable": register again, a few times, waiting longer each time.
const cardAttempts = 5
const cardPause = (attempt) => 5_000 * 2 ** (attempt - 1)

/** Calls `request` until it answers something other than a passing failure. */
const withRetries = async (what, request, { sleep }) => {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await request()
      // 403 "Missing Authentication Token" and 5xx while a new stage or domain settles.
      if (response.status < 500 && response.status !== 403) return response
      if (attempt >= attempts) return response
    } catch (error) {
      // A new Cognito domain takes a minute or two to resolve.
      if (attempt >= attempts) throw new Error(`${what}: ${error.message}`, { cause: error })
    }
    await sleep(pause)
  }
}

/** The gateway's 422 problem for a card it could not fetch (lib/http/problem.ts). */
const isCardUnreachable = async (response) => {
  if (response.status !== 422) return false
  const problem = await response
    .clone()
    .json()
    .catch(() => ({}))
  return typeof problem.type === 'string' && problem.type.endsWith('/agent-card-unreachable')
}

/** Calls `register` again while the agent's card is unreachable, at most cardAttempts times. */
const withCardRetries = async (agentId, register, { sleep, log }) => {
  for (let attempt = 1; ; attempt++) {
    const response = await register()
    if (attempt >= cardAttempts || !(await isCardUnreachable(response))) return response
    const wait = cardPause(attempt)
    log(
      `${agentId}: agent card unreachable (attempt ${attempt} of ${cardAttempts}), again in ${wait / 1000} s`,
    )
    await sleep(wait)
  }
}

/** Where a partition's service endpoints live (amazonaws.com.cn in China). */
const dnsSuffix = (partition) => (partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com')

/**
 * The agent config of one agent, as `POST /admin/register` takes it: a Lambda
 * agent behind its private (AWS_IAM) function URL, or an AgentCore runtime by
 * its invocation URL, built from the runtime ARN. Both are `aws_iam` agents:
 * the gateway signs every call and card fetch with its own role.
 *
 * @example
 * agentConfig('weather', { functionUrl: 'https://abc.lambda-url.us-east-1.on.aws', region: 'us-east-1' })
 * agentConfig('helper', { runtimeArn: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/helper-AbCdEfGhIj' })
 */
export const agentConfig = (agentId, agent) => {
  if (agent.functionUrl) {
    const backendUrl = agent.functionUrl.replace(/\/$/, '')
    return {
      agentId,
      backendUrl,
      agentCardUrl: `${backendUrl}/.well-known/agent-card.json`,
      auth: { type: 'aws_iam', service: 'lambda', region: agent.region },
    }
  }
  const [, partition, region] =
    /^arn:(aws[a-z-]*):bedrock-agentcore:([a-z0-9-]+):[0-9]{12}:runtime\/[A-Za-z0-9_-]+$/.exec(
      agent.runtimeArn ?? '',
    ) ?? []
  if (!partition || !region) {
    throw new Error(`${agentId}: neither a functionUrl nor an AgentCore runtime ARN`)
  }
  // AgentCore's InvokeAgentRuntime path, the ARN URL-encoded; the card is GetAgentCard's path below it.
  const backendUrl = `https://bedrock-agentcore.${region}.${dnsSuffix(partition)}/runtimes/${encodeURIComponent(agent.runtimeArn)}/invocations/`
  return {
    agentId,
    backendUrl,
    agentCardUrl: `${backendUrl}.well-known/agent-card.json`,
    auth: { type: 'aws_iam', service: 'bedrock-agentcore', region },
  }
}

const failIfNot = async (response, what) => {
  if (response.ok) return
  throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`)
}

/**
 * Gets an admin token (client credentials, waiting out a domain or stage still settling) and
 * returns `call(method, path, body?)`, which sends an admin API request with it.
 */
const adminSession = async (
  { gatewayUrl, tokenUrl, clientId, clientSecret, scope },
  { fetch, sleep },
) => {
  const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64')
  const tokenResponse = await withRetries(
    'token',
    () =>
      fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      }),
    { sleep },
  )
  await failIfNot(tokenResponse, 'token')
  const { access_token: token } = await tokenResponse.json()
  return (method, path, body) =>
    withRetries(
      `${method} ${path}`,
      () =>
        fetch(`${gatewayUrl}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      { sleep },
    )
}

/**
 * Gets an admin token, registers each agent (`agents`: id => { functionUrl,
 * region } or { runtimeArn }, see agentConfig; replacing an existing record;
 * again, a bounded number of times, while its card is unreachable) and puts
 * each permission. Throws, naming the step, on the first failure; an agent it
 * cannot describe, before any call.
 */
export const registerSampleAgents = async (
  { gatewayUrl, tokenUrl, clientId, clientSecret, scope, agents, permissions },
  {
    fetch = globalThis.fetch,
    sleep = (ms) => new Promise((done) => setTimeout(done, ms)),
    log = console.log,
  } = {},
) => {
  const configs = Object.entries(agents).map(([agentId, agent]) => agentConfig(agentId, agent))
  const call = await adminSession(
    { gatewayUrl, tokenUrl, clientId, clientSecret, scope },
    { fetch, sleep },
  )
  for (const config of configs) {
    const { agentId, backendUrl } = config
    const response = await withCardRetries(
      agentId,
      async () => {
        const created = await call('POST', '/admin/register', config)
        // Registered by an earlier apply: replace it, so a new URL takes effect.
        if (created.status !== 409) return created
        return call('PUT', `/admin/agents/${agentId}`, config)
      },
      { sleep, log },
    )
    await failIfNot(response, `register ${agentId}`)
    log(`registered ${agentId} -> ${backendUrl}`)
  }
  for (const [permissionScope, permission] of Object.entries(permissions)) {
    const body = Object.fromEntries(Object.entries(permission).filter(([, value]) => value != null))
    const response = await call(
      'PUT',
      `/admin/permissions/${encodeURIComponent(permissionScope)}`,
      body,
    )
    await failIfNot(response, `permission ${permissionScope}`)
    log(`permission ${permissionScope} -> ${permission.agents.join(', ')}`)
  }
}

/**
 * Deregisters one agent (`DELETE /admin/agents/{agentId}`), which also takes it out of every
 * permission (a permission left with no agent is removed), when it leaves the stack
 * (deregister.tf). One already gone (404) is no failure; a delete that stopped half-way (503)
 * is sent again, as any passing failure. Throws, naming the step, on any other answer.
 */
export const deregisterSampleAgent = async (
  { gatewayUrl, tokenUrl, clientId, clientSecret, scope, agentId },
  {
    fetch = globalThis.fetch,
    sleep = (ms) => new Promise((done) => setTimeout(done, ms)),
    log = console.log,
  } = {},
) => {
  const call = await adminSession(
    { gatewayUrl, tokenUrl, clientId, clientSecret, scope },
    { fetch, sleep },
  )
  const response = await call('DELETE', `/admin/agents/${encodeURIComponent(agentId)}`)
  if (response.status === 404) {
    log(`${agentId}: not registered, nothing to deregister`)
    return
  }
  await failIfNot(response, `deregister ${agentId}`)
  log(`deregistered ${agentId}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { GATEWAY_URL, TOKEN_URL, CLIENT_ID, CLIENT_SECRET, SCOPE, AGENTS, PERMISSIONS } =
    process.env
  const admin = {
    gatewayUrl: GATEWAY_URL.replace(/\/$/, ''),
    tokenUrl: TOKEN_URL,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scope: SCOPE,
  }
  try {
    if (process.env.DEREGISTER) {
      await deregisterSampleAgent({ ...admin, agentId: process.env.DEREGISTER })
    } else {
      await registerSampleAgents({
        ...admin,
        agents: JSON.parse(AGENTS),
        permissions: JSON.parse(PERMISSIONS),
      })
    }
  } catch (error) {
    console.error(error.message)
    process.exit(1)
  }
}
