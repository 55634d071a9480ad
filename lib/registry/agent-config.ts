import { z } from 'zod'
import { agentIdSchema } from '../ids.ts'

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
const secretArn = z
  .string()
  .regex(/^arn:aws[\w-]*:secretsmanager:/, 'must be a Secrets Manager ARN')

/** Exactly one of an inline secret and a secret ARN. */
const oneSecret = (inline: string, arn: string) => (auth: Record<string, unknown>) =>
  (auth[inline] === undefined) !== (auth[arn] === undefined)

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z
    .strictObject({
      type: z.literal('oauth2_client_credentials'),
      tokenUrl: httpUrl,
      clientId: z.string().min(1),
      clientSecret: z.string().min(1).optional(),
      clientSecretArn: secretArn.optional(),
      scopes: z.array(z.string().min(1)).optional(),
    })
    .refine(oneSecret('clientSecret', 'clientSecretArn'), {
      message: 'give exactly one of clientSecret and clientSecretArn',
      path: ['clientSecret'],
    }),
  z
    .strictObject({
      type: z.literal('api_key'),
      headerName: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
        .default('X-API-Key'),
      apiKey: z.string().min(1).optional(),
      apiKeyArn: secretArn.optional(),
    })
    .refine(oneSecret('apiKey', 'apiKeyArn'), {
      message: 'give exactly one of apiKey and apiKeyArn',
      path: ['apiKey'],
    }),
])

export const agentStatuses = ['active', 'inactive'] as const

/** The body of `POST /admin/register`: ARCHITECTURE.md's agent_config.json. */
export const agentConfigSchema = z.strictObject({
  agentId: agentIdSchema,
  backendUrl: httpUrl,
  agentCardUrl: httpUrl,
  auth: authSchema.default({ type: 'none' }),
  status: z.enum(agentStatuses).default('active'),
  /** Limit on a unary call to this agent; streams are limited by idle time instead. */
  timeoutMs: z.number().int().min(100).max(900_000).optional(),
})

export type AgentConfig = z.infer<typeof agentConfigSchema>

/** The body of `PATCH /admin/agents/{agentId}`. */
export const agentPatchSchema = z.strictObject({ status: z.enum(agentStatuses) })
