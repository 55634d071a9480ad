/**
 * Amazon Bedrock AgentCore Runtime addresses: a runtime's ARN, the invocation
 * URL that InvokeAgentRuntime answers on (`/runtimes/{url-encoded ARN}/invocations/`,
 * optionally `?qualifier=`), and the card GetAgentCard serves below it.
 */

/** An AgentCore runtime ARN: `arn:{partition}:bedrock-agentcore:{region}:{account}:runtime/{id}`. */
const runtimeArnPattern =
  /^arn:(aws[a-z-]*):bedrock-agentcore:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):runtime\/([A-Za-z][A-Za-z0-9_-]{0,99})$/

/**
 * The path of an invocation URL: the ARN percent-encoded in one segment, `/invocations` after it,
 * below the endpoint's own path (an endpoint override may have one: a proxy's `/agentcore`).
 */
const invocationPathPattern = /\/runtimes\/([^/]+)\/invocations\/?$/

export interface AgentCoreRuntime {
  arn: string
  partition: string
  region: string
  /** The endpoint (alias) the URL names with `?qualifier=`; AgentCore's DEFAULT when absent. */
  qualifier?: string
}

/** The runtime a string names when it is an AgentCore runtime ARN. */
export const parseRuntimeArn = (value: string): AgentCoreRuntime | undefined => {
  const match = runtimeArnPattern.exec(value)
  if (!match) return undefined
  return { arn: value, partition: match[1] as string, region: match[2] as string }
}

/**
 * The AgentCore endpoint of a region: `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`
 * (the AWS SDK's own endpoint override, given as `override`) when set,
 * otherwise `https://bedrock-agentcore.{region}.amazonaws.com` (`.com.cn` in
 * China).
 */
export const agentCoreEndpoint = (
  runtime: Pick<AgentCoreRuntime, 'partition' | 'region'>,
  override?: string,
): string =>
  (
    override ??
    `https://bedrock-agentcore.${runtime.region}.${runtime.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`
  ).replace(/\/+$/, '')

/**
 * The invocation URL of a runtime, as InvokeAgentRuntime and AgentCore's A2A
 * guide spell it: the ARN URL-encoded, a trailing slash (A2A's JSON-RPC root).
 *
 * @example
 * invocationUrl(parseRuntimeArn('arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-1')!)
 * // 'https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3A...%2Fa-1/invocations/'
 */
export const invocationUrl = (runtime: AgentCoreRuntime, override?: string): string => {
  const query = runtime.qualifier ? `?qualifier=${encodeURIComponent(runtime.qualifier)}` : ''
  return `${agentCoreEndpoint(runtime, override)}/runtimes/${encodeURIComponent(runtime.arn)}/invocations/${query}`
}

/**
 * The runtime an AgentCore invocation URL names (`/runtimes/{ARN}/invocations/`
 * on any host: AWS's, a VPC endpoint's name, or the endpoint override), with
 * its `qualifier`; undefined for any other URL.
 */
export const agentCoreRuntimeOf = (url: string): AgentCoreRuntime | undefined => {
  const parsed = URL.parse(url)
  if (!parsed) return undefined
  const segment = invocationPathPattern.exec(parsed.pathname)?.[1]
  if (!segment) return undefined
  let arn: string
  try {
    arn = decodeURIComponent(segment)
  } catch {
    return undefined
  }
  const runtime = parseRuntimeArn(arn)
  if (!runtime) return undefined
  const qualifier = parsed.searchParams.get('qualifier')
  return qualifier ? { ...runtime, qualifier } : runtime
}

/**
 * The URL of the card GetAgentCard serves for the runtime an invocation URL
 * names: `.well-known/agent-card.json` below it, with the same qualifier.
 */
export const agentCoreCardUrl = (invocation: string): string => {
  const url = new URL(invocation)
  url.pathname = `${url.pathname.replace(/\/?$/, '/')}.well-known/agent-card.json`
  return url.toString()
}

/** The card below an invocation URL: a card fetch of an AgentCore runtime. */
const cardSuffix = '/.well-known/agent-card.json'

/** The runtime whose card a URL names (GetAgentCard's path); undefined for any other URL. */
export const agentCoreRuntimeOfCard = (url: string): AgentCoreRuntime | undefined => {
  const parsed = URL.parse(url)
  if (!parsed?.pathname.endsWith(cardSuffix)) return undefined
  parsed.pathname = `${parsed.pathname.slice(0, -cardSuffix.length)}/`
  return agentCoreRuntimeOf(parsed.toString())
}

/**
 * Where an agent config's `backendUrl` points: an AgentCore runtime ARN is
 * turned into its invocation URL (on `override` when set) and the card URL
 * below it; an invocation URL keeps its address and gets its card URL when
 * none is given; any other URL is left as it is.
 */
export const resolveBackendAddress = (
  config: { backendUrl: string; agentCardUrl?: string | undefined },
  override?: string,
): { backendUrl: string; agentCardUrl: string | undefined; runtime?: AgentCoreRuntime } => {
  const byArn = parseRuntimeArn(config.backendUrl)
  const backendUrl = byArn ? invocationUrl(byArn, override) : config.backendUrl
  const runtime = byArn ?? agentCoreRuntimeOf(backendUrl)
  if (!runtime) return { backendUrl, agentCardUrl: config.agentCardUrl }
  return { backendUrl, agentCardUrl: config.agentCardUrl ?? agentCoreCardUrl(backendUrl), runtime }
}
