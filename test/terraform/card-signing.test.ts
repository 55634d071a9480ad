// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import { awsEnvironmentSource } from '../../lib/config.ts'
import { resolveSimple, wholeExpression } from './support/expressions.ts'
import { type Body, loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: the card signing key', () => {
  let root: TerraformModule
  beforeAll(async () => {
    root = rootModule(await loadStack())
  })

  const documentNamed = (name: string) => root.data.aws_iam_policy_document?.[name]?.[0] as Body

  /** The policy documents a handler's role gets: its own and those it sources. */
  const documentsOf = (handler: string): string[] => {
    const own = /^data\.aws_iam_policy_document\.([a-z0-9_]+)\.json$/.exec(
      wholeExpression((root.locals.handler_policies as Record<string, unknown>)[handler]) ?? '',
    )?.[1] as string
    const sources = (
      (documentNamed(own).source_policy_documents as string[] | undefined) ?? []
    ).map((source) => /aws_iam_policy_document\.([a-z0-9_]+)\.json/.exec(source)?.[1] as string)
    return [own, ...sources]
  }

  /** Every KMS action a handler may take on the card key, and nothing else it names. */
  const cardKeyActions = (handler: string) =>
    documentsOf(handler)
      .flatMap((name) => nested(documentNamed(name), 'statement'))
      .filter((statement) =>
        (statement.resources as string[]).includes('${aws_kms_key.card_signing.arn}'),
      )
      .flatMap((statement) => statement.actions as string[])
      .sort()

  it('is an ECC_NIST_P256 KMS key for signing and verifying', () => {
    // Assess
    const key = root.resources.aws_kms_key?.card_signing?.[0] as Body
    expect(key.customer_master_key_spec).toBe('ECC_NIST_P256')
    expect(key.key_usage).toBe('SIGN_VERIFY')
  })

  it('lets the functions that serve cards sign with it, and only the one serving the JWKS read its public key', () => {
    // Assess
    expect(cardKeyActions('agents')).toEqual(['kms:Sign'])
    expect(cardKeyActions('discovery')).toEqual(['kms:GetPublicKey', 'kms:Sign'])
    expect(cardKeyActions('admin')).toEqual([])
    expect(cardKeyActions('authorizer')).toEqual([])
  })

  it('names the card key on that key only', () => {
    // Assess: every statement with a kms: action on the card key names no other resource.
    for (const name of ['sign_cards', 'publish_card_key']) {
      for (const statement of nested(documentNamed(name), 'statement')) {
        expect(statement.resources).toEqual(['${aws_kms_key.card_signing.arn}'])
      }
    }
  })

  it('tells every function the key by CARD_SIGNING_KEY_ID', () => {
    // Assess
    expect(awsEnvironmentSource.CARD_SIGNING_KEY_ID).toBe('terraform')
    expect(resolveSimple(root, root.locals.gateway_environment)).toMatchObject({
      CARD_SIGNING_KEY_ID: '${aws_kms_key.card_signing.arn}',
    })
  })
})
