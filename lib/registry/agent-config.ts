import { z } from 'zod'
import { agentIdSchema } from '../ids.ts'

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('oauth2_client_credentials'),
    tokenUrl: httpUrl,
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientSecretArn: z.string().startsWith('arn:').optional(),
    scopes: z.array(z.string().min(1)).optional(),
  }),
  z.strictObject({
    type: z.literal('api_key'),
    headerName: z.string().min(1).default('X-API-Key'),
    apiKey: z.string().min(1).optional(),
    apiKeyArn: z.string().startsWith('arn:').optional(),
  }),
])

/** The body of `POST /admin/register`: ARCHITECTURE.md's agent_config.json. */
export const agentConfigSchema = z.strictObject({
  agentId: agentIdSchema,
  backendUrl: httpUrl,
  agentCardUrl: httpUrl,
  auth: authSchema.default({ type: 'none' }),
  status: z.enum(['active', 'inactive']).default('active'),
})

export type AgentConfig = z.infer<typeof agentConfigSchema>
