import * as z from 'zod'
import { agentCoreRuntimeOf, parseRuntimeArn } from '../backend/agentcore.ts'
import { authConfigSchema, backendAuthType } from '../backend/auth/auth-types.ts'
import { httpUrl } from '../backend/auth/fields.ts'
import { agentIdSchema } from '../ids.ts'
import { routingExamplesSchema } from './routing-examples.ts'

export { routingExampleLimits, routingExamplesSchema } from './routing-examples.ts'

export const agentStatuses = ['active', 'inactive'] as const

/** Who may read the agent's rewritten card: anyone (`public`), or callers granted the agent. */
export const cardVisibilities = ['public', 'granted'] as const

/** An Amazon Bedrock AgentCore runtime's ARN, which the gateway turns into its invocation URL. */
const runtimeArn = z
  .string()
  .max(2048, 'must be at most 2,048 characters')
  .refine((value) => parseRuntimeArn(value) !== undefined, {
    error:
      'must be an http(s) URL or an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)',
  })

/**
 * The body of `POST /admin/register`: ARCHITECTURE.md's agent_config.json.
 * `auth` is one of the backend auth types (lib/backend/auth/auth-types.ts),
 * each checked by its own schema and, where it needs the backend's URL (an
 * AWS service and region inferred from its host), by its `checkConfig`.
 * `backendUrl` may be an AgentCore runtime's ARN instead of a URL (the
 * gateway builds the invocation URL, lib/backend/agentcore.ts); `agentCardUrl`
 * may be left out for an AgentCore runtime (its GetAgentCard path is used).
 */
export const agentConfigSchema = z
  .strictObject({
    agentId: agentIdSchema,
    backendUrl: z.union([httpUrl, runtimeArn], {
      // An http(s) URL refused is told why (credentials in it, too long), not only what it is not.
      error: (issue) =>
        issue.input === undefined
          ? 'is required (an http(s) URL or an AgentCore runtime ARN)'
          : issue.code === 'invalid_union' &&
              typeof issue.input === 'string' &&
              /^https?:/i.test(issue.input)
            ? issue.errors[0]?.[0]?.message
            : 'must be an http(s) URL or an AgentCore runtime ARN',
    }),
    agentCardUrl: httpUrl.optional(),
    auth: authConfigSchema.default({ type: 'none' }),
    status: z.enum(agentStatuses).default('active'),
    /** Limit on a unary call to this agent; streams are limited by idle time instead. */
    timeoutMs: z.number().int().min(100).max(900_000).optional(),
    cardVisibility: z.enum(cardVisibilities).default('granted'),
    routingExamples: routingExamplesSchema.optional(),
  })
  .refine(
    ({ backendUrl, agentCardUrl }) =>
      agentCardUrl !== undefined ||
      (typeof backendUrl === 'string' &&
        (parseRuntimeArn(backendUrl) !== undefined ||
          agentCoreRuntimeOf(backendUrl) !== undefined)),
    {
      path: ['agentCardUrl'],
      message: 'is required (it is derived only for an AgentCore runtime)',
      // Said with the other fields' problems, as when it was a plain required field.
      when: ({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value),
    },
  )
  .superRefine((config, context) => {
    const issues = backendAuthType(config.auth.type).checkConfig?.(config.auth, config) ?? []
    for (const { path, message } of issues) {
      context.addIssue({ code: 'custom', path: ['auth', path], message })
    }
  })

export type AgentConfig = z.output<typeof agentConfigSchema>

/**
 * The body of `PATCH /admin/agents/{agentId}`: any of the status, the card's
 * visibility and the routing examples (the whole list; `[]` removes them).
 */
export const agentPatchSchema = z
  .strictObject({
    status: z.enum(agentStatuses).optional(),
    cardVisibility: z.enum(cardVisibilities).optional(),
    routingExamples: routingExamplesSchema.optional(),
  })
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), {
    message: 'give status, cardVisibility, routingExamples or several of them',
  })
