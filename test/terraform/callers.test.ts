// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { defaultLeaseMs, leaseKeyPrefix } from '../../lib/dynamo-lease.ts'
import { type PolicyStatement, policyStatements } from './support/iam.ts'
import { type Body, loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: callers and scopes (issue 18)', () => {
  let root: TerraformModule
  let statements: PolicyStatement[]
  beforeAll(async () => {
    const modules = await loadStack()
    root = rootModule(modules)
    statements = policyStatements(modules)
  })
  const cognitoActions = (statement: PolicyStatement) =>
    ((statement.body.actions as string[] | undefined) ?? []).filter((action) =>
      action.startsWith('cognito-idp:'),
    )

  it("grants the admin function exactly the Cognito actions the caller registry sends, on the stack's user pool only", async () => {
    // Prepare: every Cognito command the adapter imports is one IAM action.
    const source = await readFile(
      new URL('../../lib/callers/cognito-caller-registry.ts', import.meta.url),
      'utf8',
    )
    const sent = [...source.matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)]
      .map(([, operation]) => `cognito-idp:${operation}`)
      .filter((action, index, all) => all.indexOf(action) === index)
    const granting = statements.filter((statement) => cognitoActions(statement).length > 0)

    // Assess
    expect(granting.map(({ where }) => where)).toEqual([
      'terraform: data.aws_iam_policy_document.admin ManageCallers',
    ])
    const [statement] = granting as [PolicyStatement]
    expect([...(statement.body.actions as string[])].sort()).toEqual(sent.sort())
    expect(statement.body.resources).toEqual(['${aws_cognito_user_pool.gateway.arn}'])
    expect(statement.body.actions).not.toContain('cognito-idp:*')
  })

  it("lets the admin function take and give back the change lease, deleting no settings item but leases and /route's threshold, and the lease outlasts the function's timeout", () => {
    // Prepare
    const lease = statements.filter(({ where }) =>
      where.endsWith('data.aws_iam_policy_document.admin CallerChangeLease'),
    )
    const handlers = root.locals.handlers as Record<string, { timeout: number }>

    // Assess
    expect(lease).toHaveLength(1)
    const [statement] = lease as [PolicyStatement]
    expect([...(statement.body.actions as string[])].sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
    ])
    expect(statement.body.resources).toEqual(['${aws_dynamodb_table.settings.arn}'])
    expect(nested(statement.body, 'condition')).toEqual([
      {
        test: 'ForAllValues:StringLike',
        variable: 'dynamodb:LeadingKeys',
        values: [`${leaseKeyPrefix}*`],
      },
    ])
    const deleting = statements.filter(
      ({ where, body }) =>
        where.startsWith('terraform: data.aws_iam_policy_document.admin ') &&
        (body.actions as string[]).includes('dynamodb:DeleteItem') &&
        (body.resources as string[]).includes('${aws_dynamodb_table.settings.arn}'),
    )
    const threshold = statements.filter(({ where }) =>
      where.endsWith('data.aws_iam_policy_document.admin RemoveRouteThreshold'),
    )
    expect(threshold.map(({ body }) => nested(body, 'condition'))).toEqual([
      [
        {
          test: 'ForAllValues:StringEquals',
          variable: 'dynamodb:LeadingKeys',
          values: ['route-threshold'],
        },
      ],
    ])
    expect(deleting).toEqual([...threshold, ...lease])
    expect(handlers.admin?.timeout).toBeGreaterThan(0)
    expect(defaultLeaseMs).toBeGreaterThan(1000 * (handlers.admin?.timeout ?? Infinity))
  })

  it('creates the admin scope with the resource server and leaves its scopes to the admin API afterwards', () => {
    // Prepare
    const server = root.resources.aws_cognito_resource_server?.gateway?.[0] as Body

    // Assess
    expect(nested(server, 'scope')[0]).toMatchObject({ scope_name: '${var.admin_scope}' })
    expect(nested(server, 'lifecycle')[0]?.ignore_changes).toEqual(['${scope}'])
  })

  it('keeps the Terraform-managed admin, sample and console clients', () => {
    // Assess
    expect(Object.keys(root.resources.aws_cognito_user_pool_client ?? {}).sort()).toEqual([
      'admin',
      'console',
      'sample',
    ])
  })

  it('tells the functions every app client of the stack as MANAGED_CLIENT_IDS, so the admin API leaves them alone', () => {
    // Prepare
    const environment = root.locals.gateway_environment as Record<string, string>
    const named = [
      ...(environment.MANAGED_CLIENT_IDS ?? '').matchAll(
        /aws_cognito_user_pool_client\.(\w+)\.id/g,
      ),
    ].map(([, name]) => name)

    // Assess
    expect(environment.MANAGED_CLIENT_IDS).toMatch(/^\$\{join\(",", \[[^\]]*\]\)\}$/)
    expect(named.sort()).toEqual(
      Object.keys(root.resources.aws_cognito_user_pool_client ?? {}).sort(),
    )
  })

  it("tells the functions the stack's user pool, and accepts its every client unless restricted", () => {
    // Prepare
    const environment = root.locals.gateway_environment as Record<string, string>

    // Assess
    expect(environment.COGNITO_USER_POOL_ID).toBe('${aws_cognito_user_pool.gateway.id}')
    expect(environment.ALLOWED_CLIENT_IDS).toMatch(/^\$\{var\.restrict_client_ids \? .* : ""\}$/)
  })
})
