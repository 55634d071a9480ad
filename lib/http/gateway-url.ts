/**
 * The gateway's public base URL: configured, or as API Gateway's default
 * endpoint spells it (`https://{domain}/{stage}`).
 */
export const gatewayBaseUrl = (
  configured: string | undefined,
  requestContext: { domainName?: string | undefined; stage?: string | undefined },
): string => {
  if (configured) return configured
  const stage =
    requestContext.stage && requestContext.stage !== '$default' ? `/${requestContext.stage}` : ''
  return `https://${requestContext.domainName ?? 'localhost'}${stage}`
}

export const gatewayAgentUrl = (baseUrl: string, agentId: string): string =>
  `${baseUrl}/agents/${agentId}`
