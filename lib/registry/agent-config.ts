import { z } from 'zod'
import { agentIdSchema } from '../ids.ts'

// Bounds keep a record within DynamoDB's 400 KB item and a secret within Secrets Manager's 64 KB.
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048, 'must be at most 2,048 characters')
const shortText = z.string().min(1).max(256, 'must be at most 256 characters')

/**
 * An RFC 9110 field value: visible characters (ASCII or Latin-1), spaces and
 * tabs only between them. CR, LF and other control characters would split or
 * break the header the gateway sends, and fetch refuses characters beyond
 * Latin-1 and trims outer whitespace, so such a value is refused where it enters.
 */
const headerValue = /^[\x21-\x7E\x80-\xFF](?:[\t\x20-\x7E\x80-\xFF]*[\x21-\x7E\x80-\xFF])?$/
const headerValueRule =
  'must be usable in an HTTP header: visible characters only, spaces and tabs between them ' +
  '(no CR, LF or other control characters, nothing beyond Latin-1, no outer whitespace)'
/** Text the gateway sends in a header (an API key; a client id or secret, in Basic auth). */
const headerText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max, `must be at most ${max.toLocaleString('en-US')} characters`)
    .regex(headerValue, headerValueRule)
const inlineSecret = headerText(4096)
const secretArn = z
  .string()
  .max(2048, 'must be at most 2,048 characters')
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
      clientId: headerText(256),
      clientSecret: inlineSecret.optional(),
      clientSecretArn: secretArn.optional(),
      scopes: z.array(shortText).max(50, 'must name at most 50 scopes').optional(),
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
        .max(256, 'must be at most 256 characters')
        .default('X-API-Key'),
      apiKey: inlineSecret.optional(),
      apiKeyArn: secretArn.optional(),
    })
    .refine(oneSecret('apiKey', 'apiKeyArn'), {
      message: 'give exactly one of apiKey and apiKeyArn',
      path: ['apiKey'],
    }),
])

export const agentStatuses = ['active', 'inactive'] as const

/** Who may read the agent's rewritten card: anyone (`public`), or callers granted the agent. */
export const cardVisibilities = ['public', 'granted'] as const

/** The body of `POST /admin/register`: ARCHITECTURE.md's agent_config.json. */
export const agentConfigSchema = z.strictObject({
  agentId: agentIdSchema,
  backendUrl: httpUrl,
  agentCardUrl: httpUrl,
  auth: authSchema.default({ type: 'none' }),
  status: z.enum(agentStatuses).default('active'),
  /** Limit on a unary call to this agent; streams are limited by idle time instead. */
  timeoutMs: z.number().int().min(100).max(900_000).optional(),
  cardVisibility: z.enum(cardVisibilities).default('granted'),
})

export type AgentConfig = z.infer<typeof agentConfigSchema>

/** The body of `PATCH /admin/agents/{agentId}`: the status, the card's visibility, or both. */
export const agentPatchSchema = z
  .strictObject({
    status: z.enum(agentStatuses).optional(),
    cardVisibility: z.enum(cardVisibilities).optional(),
  })
  .refine((patch) => patch.status !== undefined || patch.cardVisibility !== undefined, {
    message: 'give status, cardVisibility or both',
  })
