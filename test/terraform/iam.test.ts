// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { titanTextEmbeddingsV2 } from '../../lib/discovery/bedrock-embedder.ts'
import { agentIdTag, backendSecretPrefix } from '../../lib/registry/register-agent.ts'
import { compact, resolveSimple, wholeExpression } from './support/expressions.ts'
import {
  type PolicyStatement,
  policyAttributes,
  policyStatements,
  wildcardActions,
} from './support/iam.ts'
import { loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: IAM', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let statements: PolicyStatement[]
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    statements = policyStatements(modules)
  })
  const actionsOf = (statement: PolicyStatement) => (statement.body.actions as string[]) ?? []
  const withAction = (prefix: string) =>
    statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith(prefix)),
    )

  it('names every action: no "*", no "service:*", no NotAction', () => {
    // Assess
    expect(statements.length).toBeGreaterThan(10)
    expect(wildcardActions(statements)).toEqual([])
    expect(
      statements.filter(({ body }) => 'not_actions' in body).map(({ where }) => where),
    ).toEqual([])
  })

  it('names the resources: no "*" resource, no NotResource, but for the VPC network interfaces Lambda manages and X-Ray’s trace writes', () => {
    // Prepare: trust policies name a principal instead of resources.
    const granting = statements.filter(
      ({ body }) => !actionsOf({ where: '', body }).includes('sts:AssumeRole'),
    )
    const unnamed = granting.filter(({ body }) => {
      const resources = (body.resources as string[] | undefined) ?? []
      return resources.length === 0 || resources.includes('*') || 'not_resources' in body
    })

    // Assess: exactly AWSLambdaVPCAccessExecutionRole's ec2 actions, and X-Ray's two
    // write actions (active tracing), which cannot name more.
    expect(unnamed.map(({ where }) => where).sort()).toEqual([
      'terraform/modules/sample-agents: data.aws_iam_policy_document.xray WriteTraces',
      'terraform: data.aws_iam_policy_document.vpc_access ManageVpcNetworkInterfaces',
      'terraform: data.aws_iam_policy_document.xray WriteTraces',
    ])
    for (const xray of unnamed.filter(({ where }) => where.endsWith('xray WriteTraces'))) {
      expect(xray.body.resources).toEqual(['*'])
      expect(actionsOf(xray).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'])
      expect(nested(xray.body, 'condition')).toEqual([])
    }
    const eni = unnamed.find(({ where }) => where.endsWith('ManageVpcNetworkInterfaces'))
    if (!eni) throw new Error('no ManageVpcNetworkInterfaces statement')
    expect(eni.body.resources).toEqual(['*'])
    expect(actionsOf(eni).sort()).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
    ])
    expect(nested(eni.body, 'condition')).toEqual([])
  })

  it('writes every policy from a policy document, so no statement escapes these checks', () => {
    // Assess
    const inline = modules.flatMap((module) =>
      Object.entries(policyAttributes).flatMap(([type, attributes]) =>
        Object.entries(module.resources[type] ?? {}).flatMap(([name, bodies]) =>
          attributes
            .filter((attribute) => bodies[0]?.[attribute] !== undefined)
            .filter((attribute) => {
              const expression = wholeExpression(bodies[0]?.[attribute]) ?? ''
              return !/^(data\.aws_iam_policy_document\.[a-z0-9_]+(\[[^\]]+\])?\.json|local\.handler_policies\[each\.key\])$/.test(
                expression,
              )
            })
            .map((attribute) => `${module.dir}: ${type}.${name}.${attribute}`),
        ),
      ),
    )
    expect(inline).toEqual([])
    // local.handler_policies is a map of policy documents only.
    for (const value of Object.values(root.locals.handler_policies as object)) {
      expect(wholeExpression(value)).toMatch(/^data\.aws_iam_policy_document\.[a-z0-9_]+\.json$/)
    }
  })

  it('lets the functions call Bedrock on the Titan embeddings model only', () => {
    // Assess
    const bedrock = withAction('bedrock:')
    expect(bedrock.length).toBeGreaterThan(0)
    for (const statement of bedrock) {
      expect(actionsOf(statement)).toEqual(['bedrock:InvokeModel'])
      expect(statement.body.resources).toEqual(['${local.embedding_model_arn}'])
    }
    expect(root.locals.embedding_model_arn).toBe(
      'arn:${local.partition}:bedrock:${var.region}::foundation-model/${local.embedding_model_id}',
    )
    expect(root.locals.embedding_model_id).toBe(titanTextEmbeddingsV2)
  })

  describe('backend secrets: the gateway prefix, or the agent tag', () => {
    const prefix = '${local.backend_secrets_arn_pattern}'
    const accountSecrets = '${local.account_secrets_arn_pattern}'
    const agentTag = agentIdTag
    const secrets = () => withAction('secretsmanager:')
    const of = (role: string) =>
      secrets().filter(({ where }) => where.includes(`aws_iam_policy_document.${role} `))
    /** Conditions with the tag key's local spelled out. */
    const conditionsOf = (statement: PolicyStatement) =>
      nested(statement.body, 'condition').map((condition) => ({
        test: condition.test,
        variable: String(condition.variable).replace(
          '${local.backend_secret_agent_tag}',
          String(root.locals.backend_secret_agent_tag),
        ),
        values: condition.values,
      }))
    const carriesAgentTag = {
      test: 'Null',
      variable: `aws:ResourceTag/${agentTag}`,
      values: ['false'],
    }
    /** Actions granted on `resource` by a role, and whether the agent tag was required. */
    const granted = (role: string, resource: string) =>
      of(role)
        .filter(({ body }) => (body.resources as string[]).includes(resource))
        .map((statement) => ({
          actions: actionsOf(statement).sort(),
          tagged: conditionsOf(statement).some(
            (condition) => JSON.stringify(condition) === JSON.stringify(carriesAgentTag),
          ),
        }))

    it('names the prefix and the tag the gateway uses', () => {
      // Assess
      expect(root.locals.backend_secret_prefix).toBe(backendSecretPrefix)
      expect(root.locals.backend_secret_agent_tag).toBe(agentTag)
      expect(compact(String(root.locals.backend_secrets_arn_pattern))).toMatch(
        /:secret:\$\{local\.backend_secret_prefix\}\*$/,
      )
      expect(compact(String(root.locals.account_secrets_arn_pattern))).toMatch(
        /^arn:\$\{local\.partition\}:secretsmanager:\$\{var\.region\}:\$\{local\.account_id\}:secret:\*$/,
      )
    })

    it('grants every Secrets Manager action on the prefix, or on the account only for secrets carrying the agent tag', () => {
      // Assess
      expect(secrets().length).toBeGreaterThan(0)
      for (const statement of secrets()) {
        const resources = statement.body.resources as string[]
        expect([[prefix], [accountSecrets]], statement.where).toContainEqual(resources)
        if (resources[0] === accountSecrets) {
          expect(conditionsOf(statement), statement.where).toContainEqual(carriesAgentTag)
          expect(
            actionsOf(statement).filter(
              (action) =>
                !['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].includes(
                  action,
                ),
            ),
            statement.where,
          ).toEqual([])
        }
      }
    })

    it('lets the agents function read both kinds and do nothing else', () => {
      // Assess
      expect(granted('agents', prefix)).toEqual([
        { actions: ['secretsmanager:GetSecretValue'], tagged: false },
      ])
      expect(granted('agents', accountSecrets)).toEqual([
        { actions: ['secretsmanager:GetSecretValue'], tagged: true },
      ])
      expect(granted('discovery', prefix)).toEqual([])
      expect(granted('authorizer', prefix)).toEqual([])
    })

    it('lets the admin function describe and read both kinds, but create, tag and delete only under the prefix', () => {
      // Assess
      const underPrefix = granted('admin', prefix).flatMap(({ actions }) => actions)
      expect(underPrefix.sort()).toEqual(
        [
          'secretsmanager:CreateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:TagResource',
        ].sort(),
      )
      expect(granted('admin', accountSecrets)).toEqual([
        {
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          tagged: true,
        },
      ])
    })

    it("creates secrets only with the stack's KMS key, the one SECRETS_KMS_KEY_ID names", () => {
      // Prepare
      const create = of('admin').filter((statement) =>
        actionsOf(statement).includes('secretsmanager:CreateSecret'),
      )

      // Assess
      expect(create).toHaveLength(1)
      expect(actionsOf(create[0] as PolicyStatement)).toEqual(['secretsmanager:CreateSecret'])
      expect(conditionsOf(create[0] as PolicyStatement)).toEqual([
        {
          test: 'StringEquals',
          variable: 'secretsmanager:KmsKeyArn',
          values: ['${aws_kms_key.backend_secrets.arn}'],
        },
      ])
      expect(resolveSimple(root, root.locals.gateway_environment)).toMatchObject({
        SECRETS_KMS_KEY_ID: '${aws_kms_key.backend_secrets.arn}',
      })
    })

    it('tags in a statement of its own (TagResource carries no KmsKeyArn), with the agent tag and managed-by only', () => {
      // Prepare
      const tag = of('admin').filter((statement) =>
        actionsOf(statement).includes('secretsmanager:TagResource'),
      )

      // Assess
      expect(tag).toHaveLength(1)
      const [statement] = tag as [PolicyStatement]
      expect(actionsOf(statement)).toEqual(['secretsmanager:TagResource'])
      expect(statement.body.resources).toEqual([prefix])
      expect(conditionsOf(statement)).toEqual([
        { test: 'Null', variable: `aws:RequestTag/${agentTag}`, values: ['false'] },
        {
          test: 'ForAllValues:StringEquals',
          variable: 'aws:TagKeys',
          values: ['${local.backend_secret_agent_tag}', 'managed-by'],
        },
      ])
    })
  })

  it('lets the admin function send every command the agent registry and permission store send', async () => {
    // Prepare: the admin API uses all of both stores, so each command they import must be granted.
    const actionOf: Record<string, string> = {
      GetCommand: 'dynamodb:GetItem',
      BatchGetCommand: 'dynamodb:BatchGetItem',
      // lib/batch-get.ts: the stores' one BatchGetItem reader.
      batchGetItems: 'dynamodb:BatchGetItem',
      PutCommand: 'dynamodb:PutItem',
      UpdateCommand: 'dynamodb:UpdateItem',
      DeleteCommand: 'dynamodb:DeleteItem',
      paginateScan: 'dynamodb:Scan',
      ScanCommand: 'dynamodb:Scan',
    }
    const sent = async (file: string) => {
      const source = await readFile(new URL(`../../lib/${file}`, import.meta.url), 'utf8')
      return Object.keys(actionOf)
        .filter((command) => new RegExp(`\\b${command}\\b`).test(source))
        .map((command) => actionOf[command] as string)
    }
    const granted = (table: string) =>
      statements
        .filter(({ where }) => where.includes('aws_iam_policy_document.admin '))
        .filter(({ body }) =>
          (body.resources as string[]).includes(`\${aws_dynamodb_table.${table}.arn}`),
        )
        .flatMap(actionsOf)

    // Assess
    expect(granted('agents')).toEqual(
      expect.arrayContaining(await sent('registry/agent-registry.ts')),
    )
    expect(granted('permissions')).toEqual(
      expect.arrayContaining(
        (await sent('permissions/permission-store.ts')).filter(
          // BatchGetItem serves the authorizer's lookups, which the admin API never makes.
          (action) => action !== 'dynamodb:BatchGetItem',
        ),
      ),
    )
  })

  it('lets the admin function write the audit table and query its indexes, and no other function touch it', () => {
    // Prepare
    const onAudit = statements.filter(({ body }) =>
      JSON.stringify(body.resources ?? null).includes('aws_dynamodb_table.audit.arn'),
    )

    // Assess
    expect(onAudit.every(({ where }) => where.includes('aws_iam_policy_document.admin '))).toBe(
      true,
    )
    expect(
      onAudit.map(({ body }) => ({ actions: body.actions, resources: body.resources })),
    ).toEqual([
      {
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: ['${aws_dynamodb_table.audit.arn}'],
      },
      { actions: ['dynamodb:Query'], resources: ['${aws_dynamodb_table.audit.arn}/index/*'] },
    ])
  })

  it('lets every function behind the authorizer, and push delivery, read token revocations, and only the admin function write them', async () => {
    // Prepare
    const onRevocations = statements.filter(({ body }) =>
      JSON.stringify(body.resources ?? null).includes('aws_dynamodb_table.token_revocations.arn'),
    )
    const grantedTo = (role: string) =>
      onRevocations
        .filter(({ where }) => where.includes(`aws_iam_policy_document.${role} `))
        .flatMap(actionsOf)
        .sort()
    const source = await readFile(
      new URL('../../lib/auth/token-revocations.ts', import.meta.url),
      'utf8',
    )

    // Assess: the store reads with GetItem and revokes with UpdateItem, nothing else
    expect(source).toMatch(/\bGetCommand\b/)
    expect(source).toMatch(/\bUpdateCommand\b/)
    expect(source).not.toMatch(/\b(Put|Delete|BatchGet|Scan|Query)Command\b/)
    expect(grantedTo('agents')).toEqual(['dynamodb:GetItem'])
    expect(grantedTo('discovery')).toEqual(['dynamodb:GetItem'])
    expect(grantedTo('admin')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem'])
    // A push config lasts no longer than the token it was set with.
    expect(grantedTo('push_delivery')).toEqual(['dynamodb:GetItem'])
    expect(
      onRevocations.filter(
        ({ where }) =>
          !/aws_iam_policy_document\.(agents|discovery|admin|push_delivery) /.test(where),
      ),
    ).toEqual([])
  })

  it('lets the functions that check push configs read permissions as the authorizer does, and none write them but the admin function', () => {
    // Prepare
    const onPermissions = statements.filter(({ body }) =>
      JSON.stringify(body.resources ?? null).includes('aws_dynamodb_table.permissions.arn'),
    )
    const grantedTo = (role: string) =>
      onPermissions
        .filter(({ where }) => where.includes(`aws_iam_policy_document.${role} `))
        .flatMap(actionsOf)
        .sort()

    // Assess: a push config stands while its scopes' permissions grant the call that set it.
    expect(grantedTo('discovery')).toEqual(['dynamodb:BatchGetItem'])
    expect(grantedTo('push_delivery')).toEqual(['dynamodb:BatchGetItem'])
    expect(grantedTo('authorizer')).toEqual(['dynamodb:BatchGetItem'])
    expect(grantedTo('agents')).toEqual(['dynamodb:BatchGetItem'])
    expect(
      onPermissions.filter(
        ({ where }) =>
          !/aws_iam_policy_document\.(authorizer|agents|discovery|admin|push_delivery) /.test(
            where,
          ),
      ),
    ).toEqual([])
  })

  it("lets the push-delivery function read an agent's record, and nothing more of the agents table", () => {
    // Prepare
    const onAgents = statements.filter(({ body }) =>
      JSON.stringify(body.resources ?? null).includes('aws_dynamodb_table.agents.arn'),
    )

    // Act
    const granted = onAgents
      .filter(({ where }) => where.includes('aws_iam_policy_document.push_delivery '))
      .flatMap(actionsOf)
      .sort()

    // Assess: a push queued before its agent was deactivated or deleted goes nowhere
    expect(granted).toEqual(['dynamodb:GetItem'])
  })

  it('lets the agents function send every command the rate limiter and stream slots send, and no other', async () => {
    // Prepare
    const actionOf: Record<string, string> = {
      GetCommand: 'dynamodb:GetItem',
      PutCommand: 'dynamodb:PutItem',
      UpdateCommand: 'dynamodb:UpdateItem',
      DeleteCommand: 'dynamodb:DeleteItem',
    }
    const sources = await Promise.all(
      ['rate-limiter.ts', 'stream-slots.ts'].map((file) =>
        readFile(new URL(`../../lib/ratelimit/${file}`, import.meta.url), 'utf8'),
      ),
    )
    const sent = Object.keys(actionOf)
      .filter((command) => sources.some((source) => new RegExp(`\\b${command}\\b`).test(source)))
      .map((command) => actionOf[command] as string)

    // Act
    const granted = statements
      .filter(({ where }) => where.includes('aws_iam_policy_document.agents '))
      .filter(({ body }) =>
        (body.resources as string[]).includes('${aws_dynamodb_table.rate_limits.arn}'),
      )
      .flatMap(actionsOf)

    // Assess
    expect([...granted].sort()).toEqual([...sent].sort())
  })

  it('lets the agents function send every command the task-owner store sends, and no other', async () => {
    // Prepare
    const actionOf: Record<string, string> = {
      GetCommand: 'dynamodb:GetItem',
      BatchGetCommand: 'dynamodb:BatchGetItem',
      // lib/batch-get.ts: the stores' one BatchGetItem reader.
      batchGetItems: 'dynamodb:BatchGetItem',
      PutCommand: 'dynamodb:PutItem',
      UpdateCommand: 'dynamodb:UpdateItem',
      DeleteCommand: 'dynamodb:DeleteItem',
    }
    const source = await readFile(
      new URL('../../lib/tasks/task-owners.ts', import.meta.url),
      'utf8',
    )
    const sent = Object.keys(actionOf)
      .filter((command) => new RegExp(`\\b${command}\\b`).test(source))
      .map((command) => actionOf[command] as string)

    // Act
    const granted = statements
      .filter(({ where }) => where.includes('aws_iam_policy_document.agents '))
      .filter(({ body }) =>
        (body.resources as string[]).includes('${aws_dynamodb_table.task_owners.arn}'),
      )
      .flatMap(actionsOf)

    // Assess
    expect([...granted].sort()).toEqual([...sent].sort())
  })
})
