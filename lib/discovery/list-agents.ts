import type { AgentCardJson } from '../a2a/agent-card.ts'
import { callerBindings, rewriteCard } from '../a2a/card-rewrite.ts'
import type { SignCard } from '../a2a/card-signature.ts'
import { type Grants, mayInvoke } from '../auth/grants.ts'
import { gatewayAgentUrl } from '../http/gateway-url.ts'
import type { AgentRecord } from '../registry/agent-record.ts'

export interface ListedAgent {
  agentId: string
  card: AgentCardJson
}

/** The active agents a caller may invoke, with cards as the gateway serves them (signed). */
export const invocableAgents = (
  records: readonly AgentRecord[],
  grants: Grants,
  gateway: { baseUrl: string; tokenUrl: string; issuer?: string; signCard: SignCard },
): Promise<ListedAgent[]> =>
  Promise.all(
    records
      .filter((record) => record.status === 'active' && mayInvoke(grants, record.agentId))
      .map(async (record) => ({
        agentId: record.agentId,
        card: await gateway.signCard(
          rewriteCard(record.card, {
            agentUrl: gatewayAgentUrl(gateway.baseUrl, record.agentId),
            tokenUrl: gateway.tokenUrl,
            ...(gateway.issuer ? { issuer: gateway.issuer } : {}),
            bindings: callerBindings(record),
          }),
        ),
      })),
  )
