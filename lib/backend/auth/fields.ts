import * as z from 'zod'
import { withThousands } from '../../thousands.ts'
import type { RecordContext } from './backend-auth.ts'

// Bounds keep a record within DynamoDB's 400 KB item and a secret within Secrets Manager's 64 KB.
/** What `httpUrl` says of a value that is no http(s) URL at all. */
export const notHttpUrl = 'must be an http(s) URL'
export const httpUrl = z
  .url({ protocol: /^https?$/, error: notHttpUrl })
  .max(2048, 'must be at most 2,048 characters')
  // A URL is stored, shown and audited as it is: credentials go in `auth`, kept as a secret.
  .refine((url) => {
    if (!URL.canParse(url)) return true
    const { username, password } = new URL(url)
    return username === '' && password === ''
  }, 'must not hold a user name or password (user:password@): give credentials in auth, where they are kept as a secret')
export const shortText = z.string().min(1).max(256, 'must be at most 256 characters')

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
export const headerText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max, `must be at most ${withThousands(max)} characters`)
    .regex(headerValue, headerValueRule)
export const inlineSecret = headerText(4096)
export const secretArn = z
  .string()
  .max(2048, 'must be at most 2,048 characters')
  .regex(/^arn:aws[\w-]*:secretsmanager:/, 'must be a Secrets Manager ARN')

/** Exactly one of an inline secret and a secret ARN. */
export const oneSecret = (inline: string, arn: string) => (auth: Record<string, unknown>) =>
  (auth[inline] === undefined) !== (auth[arn] === undefined)

/** The secret a record keeps: its ARN, and whether the gateway created it. */
export interface StoredSecret {
  secretArn: string
  /** The gateway created the secret (given inline) and deletes it with the agent. */
  secretOwned: boolean
}

/** The secret of a record, or of a config naming it by ARN in `field`, if the operator named it. */
export const namedSecretOf = (
  given: object,
  field: string,
): { field: string; arn: string } | undefined => {
  const auth = given as Partial<StoredSecret> & Record<string, unknown>
  if (auth.secretArn !== undefined) {
    return auth.secretOwned ? undefined : { field: `auth.${field}`, arn: auth.secretArn }
  }
  const arn = auth[field]
  return typeof arn === 'string' ? { field: `auth.${field}`, arn } : undefined
}

/**
 * What a record keeps of a config's one secret: an inline value stored for the
 * agent (the gateway owns it), or the ARN named, owned only when the gateway
 * made that secret for this agent (`RecordContext.madeSecret`). The name alone
 * cannot tell: an operator may create a secret below `switchboard/<stack>/agents/<id>/`
 * too, and the gateway never deletes an operator's secret.
 *
 * @example
 * const { secretArn, secretOwned } = await storedSecret(auth.apiKey, auth.apiKeyArn, context)
 */
export const storedSecret = async (
  inline: string | undefined,
  arn: string | undefined,
  { storeSecret, madeSecret }: Pick<RecordContext, 'storeSecret' | 'madeSecret'>,
): Promise<StoredSecret> => {
  if (arn === undefined)
    return { secretArn: await storeSecret(inline as string), secretOwned: true }
  const made = madeSecret?.(arn)
  return made ? { secretArn: made, secretOwned: true } : { secretArn: arn, secretOwned: false }
}
