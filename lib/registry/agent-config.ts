import { z } from 'zod'
import { authConfigSchema, backendAuthType } from '../backend/auth/auth-types.ts'
import { httpUrl } from '../backend/auth/fields.ts'
import { agentIdSchema } from '../ids.ts'

export const agentStatuses = ['active', 'inactive'] as const

/** Who may read the agent's rewritten card: anyone (`public`), or callers granted the agent. */
export const cardVisibilities = ['public', 'granted'] as const

/**
 * The body of `POST /admin/register`: ARCHITECTURE.md's agent_config.json.
 * `auth` is one of the backend auth types (lib/backend/auth/auth-types.ts),
 * each checked by its own schema and, where it needs the backend's URL (an
 * AWS service and region inferred from its host), by its `checkConfig`.
 */
export const agentConfigSchema = z
  .strictObject({
    agentId: agentIdSchema,
    backendUrl: httpUrl,
    agentCardUrl: httpUrl,
    auth: authConfigSchema.default({ type: 'none' }),
    status: z.enum(agentStatuses).default('active'),
    /** Limit on a unary call to this agent; streams are limited by idle time instead. */
    timeoutMs: z.number().int().min(100).max(900_000).optional(),
    cardVisibility: z.enum(cardVisibilities).default('granted'),
  })
  .superRefine((config, context) => {
    const issues = backendAuthType(config.auth.type).checkConfig?.(config.auth, config) ?? []
    for (const { path, message } of issues) {
      context.addIssue({ code: 'custom', path: ['auth', path], message })
    }
  })

export type AgentConfig = z.output<typeof agentConfigSchema>

/** The body of `PATCH /admin/agents/{agentId}`: the status, the card's visibility, or both. */
export const agentPatchSchema = z
  .strictObject({
    status: z.enum(agentStatuses).optional(),
    cardVisibility: z.enum(cardVisibilities).optional(),
  })
  .refine((patch) => patch.status !== undefined || patch.cardVisibility !== undefined, {
    message: 'give status, cardVisibility or both',
  })
