// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config.ts'
import { titanTextEmbeddingsV2 } from '../../lib/discovery/bedrock-embedder.ts'
import {
  agentIdTag,
  backendSecretPrefixFor,
  legacyBackendSecretPrefix,
  stackTag,
} from '../../lib/registry/register-agent.ts'
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

  describe("backend secrets: the stack's prefix, the legacy prefix with the stack's tag, or the agent tag", () => {
    const prefix = '${local.backend_secrets_arn_pattern}'
    const legacy = '${local.legacy_backend_secrets_arn_pattern}'
    const accountSecrets = '${local.account_secrets_arn_pattern}'
    const agentTag = agentIdTag
    const secrets = () => withAction('secretsmanager:')
    const of = (role: string) =>
      secrets().filter(({ where }) => where.includes(`aws_iam_policy_document.${role} `))
    /** Conditions with the tag keys' locals spelled out. */
    const conditionsOf = (statement: PolicyStatement) =>
      nested(statement.body, 'condition').map((condition) => ({
        test: condition.test,
        variable: String(condition.variable)
          .replace(
            '${local.backend_secret_agent_tag}',
            String(root.locals.backend_secret_agent_tag),
          )
          .replace(
            '${local.backend_secret_stack_tag}',
            String(root.locals.backend_secret_stack_tag),
          ),
        values: condition.values,
      }))
    const carriesAgentTag = {
      test: 'Null',
      variable: `aws:ResourceTag/${agentTag}`,
      values: ['false'],
    }
    const ofThisStack = {
      test: 'StringEquals',
      variable: `aws:ResourceTag/${stackTag}`,
      values: ['${var.name}'],
    }
    const ofNoOtherStack = { ...ofThisStack, test: 'StringEqualsIfExists' }
    const has = (statement: PolicyStatement, condition: object) =>
      conditionsOf(statement).some((each) => JSON.stringify(each) === JSON.stringify(condition))
    /** Actions granted on `resource` by a role, and which resource tags were required. */
    const granted = (role: string, resource: string) =>
      of(role)
        .filter(({ body }) => (body.resources as string[]).includes(resource))
        .map((statement) => ({
          actions: actionsOf(statement).sort(),
          tagged: has(statement, carriesAgentTag),
          stack: has(statement, ofThisStack)
            ? 'this'
            : has(statement, ofNoOtherStack)
              ? 'no other'
              : 'any',
        }))

    it('names the prefix and the tags the gateway uses, from the stack name it is given as STACK_NAME', () => {
      // Prepare
      const prefixOf = (name: string) =>
        String(root.locals.backend_secret_prefix).replace('${var.name}', name)

      // Assess
      expect(prefixOf('prod')).toBe(backendSecretPrefixFor('prod'))
      expect(prefixOf('prod-2')).toBe(backendSecretPrefixFor('prod-2'))
      expect(root.locals.legacy_backend_secret_prefix).toBe(legacyBackendSecretPrefix)
      expect(backendSecretPrefixFor(undefined)).toBe(legacyBackendSecretPrefix)
      expect(root.locals.backend_secret_agent_tag).toBe(agentTag)
      expect(root.locals.backend_secret_stack_tag).toBe(stackTag)
      expect(resolveSimple(root, root.locals.gateway_environment)).toMatchObject({
        STACK_NAME: '${var.name}',
      })
      expect(compact(String(root.locals.backend_secrets_arn_pattern))).toMatch(
        /:secret:\$\{local\.backend_secret_prefix\}\*$/,
      )
      expect(compact(String(root.locals.legacy_backend_secrets_arn_pattern))).toMatch(
        /:secret:\$\{local\.legacy_backend_secret_prefix\}\*$/,
      )
      expect(compact(String(root.locals.account_secrets_arn_pattern))).toMatch(
        /^arn:\$\{local\.partition\}:secretsmanager:\$\{var\.region\}:\$\{local\.account_id\}:secret:\*$/,
      )
    })

    it("refuses, at plan and at the functions' start, the one name whose prefix the legacy one holds (agents)", () => {
      // Prepare
      const conditions = nested(root.variables.name ?? {}, 'validation').map((validation) =>
        compact(String(validation.condition)),
      )

      // Assess: switchboard/agents/agents/... is where every stack put an agent "agents"'s secrets.
      expect(backendSecretPrefixFor('agents').startsWith(legacyBackendSecretPrefix)).toBe(true)
      expect(conditions).toContain(compact('${var.name != "agents"}'))
      expect(() =>
        loadConfig({ TOKEN_ISSUER: 'https://issuer.example.com', STACK_NAME: 'agents' }),
      ).toThrow(/STACK_NAME="agents" is invalid/)
      expect(
        loadConfig({ TOKEN_ISSUER: 'https://issuer.example.com', STACK_NAME: 'prod' }).stackName,
      ).toBe('prod')
    })

    it('grants every Secrets Manager action on the prefix, on the legacy prefix for this stack’s tag only, or on the account only for secrets carrying the agent tag and no other stack’s', () => {
      // Assess
      expect(secrets().length).toBeGreaterThan(0)
      for (const statement of secrets()) {
        const resources = statement.body.resources as string[]
        expect([[prefix], [legacy], [accountSecrets]], statement.where).toContainEqual(resources)
        if (resources[0] === legacy) {
          expect(conditionsOf(statement), statement.where).toContainEqual(ofThisStack)
        }
        if (resources[0] === accountSecrets) {
          expect(conditionsOf(statement), statement.where).toContainEqual(carriesAgentTag)
          expect(conditionsOf(statement), statement.where).toContainEqual(ofNoOtherStack)
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

    it('lets the agents function read all three kinds and do nothing else', () => {
      // Assess
      const read = ['secretsmanager:GetSecretValue']
      expect(granted('agents', prefix)).toEqual([{ actions: read, tagged: false, stack: 'any' }])
      expect(granted('agents', legacy)).toEqual([{ actions: read, tagged: false, stack: 'this' }])
      expect(granted('agents', accountSecrets)).toEqual([
        { actions: read, tagged: true, stack: 'no other' },
      ])
      expect(granted('discovery', prefix)).toEqual([])
      expect(granted('authorizer', prefix)).toEqual([])
    })

    it('lets the admin function describe and read all three kinds, delete its own, but create and tag only under its prefix', () => {
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
      expect(granted('admin', legacy)).toEqual([
        {
          actions: [
            'secretsmanager:DeleteSecret',
            'secretsmanager:DescribeSecret',
            'secretsmanager:GetSecretValue',
          ],
          tagged: false,
          stack: 'this',
        },
      ])
      expect(granted('admin', accountSecrets)).toEqual([
        {
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          tagged: true,
          stack: 'no other',
        },
      ])
    })

    it("creates secrets only with the stack's KMS key, the one SECRETS_KMS_KEY_ID names, and tagged for the stack", () => {
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
        { test: 'StringEquals', variable: `aws:RequestTag/${stackTag}`, values: ['${var.name}'] },
      ])
      expect(resolveSimple(root, root.locals.gateway_environment)).toMatchObject({
        SECRETS_KMS_KEY_ID: '${aws_kms_key.backend_secrets.arn}',
      })
    })

    it('tags in a statement of its own (TagResource carries no KmsKeyArn), with the agent tag, this stack and managed-by only', () => {
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
        { test: 'StringEquals', variable: `aws:RequestTag/${stackTag}`, values: ['${var.name}'] },
        {
          test: 'ForAllValues:StringEquals',
          variable: 'aws:TagKeys',
          values: [
            '${local.backend_secret_agent_tag}',
            '${local.backend_secret_stack_tag}',
            'managed-by',
          ],
        },
      ])
    })

    describe('two stacks in one account and Region', () => {
      /** A stack's locals and variables, for `${...}` in its statements. */
      const valuesFor = (name: string): Record<string, string> => ({
        'var.name': name,
        'var.region': 'eu-west-1',
        'local.partition': 'aws',
        'local.account_id': '123456789012',
      })
      const interpolate = (text: string, values: Record<string, string>, depth = 0): string =>
        depth > 5
          ? text
          : text.replace(/\$\{(local|var)\.([a-z_]+)\}/g, (whole, kind: string, name: string) => {
              const known = values[`${kind}.${name}`]
              if (known !== undefined) return known
              const local = kind === 'local' ? root.locals[name] : undefined
              return typeof local === 'string' ? interpolate(local, values, depth + 1) : whole
            })
      const glob = (pattern: string) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
      const arnOf = (name: string) =>
        `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`
      /**
       * What `stack`'s roles may do to a secret: each statement whose resource matches and whose
       * conditions on the secret's tags hold. Conditions on the request (its tags, key) are taken
       * as met: a role chooses its request, so they cannot keep it from another stack's secret.
       */
      const allowed = (stack: string, secret: { name: string; tags: Record<string, string> }) =>
        secrets()
          .filter(({ body }) =>
            (body.resources as string[]).some((resource) =>
              glob(interpolate(resource, valuesFor(stack))).test(arnOf(secret.name)),
            ),
          )
          .filter((statement) =>
            nested(statement.body, 'condition').every((condition) => {
              const variable = interpolate(String(condition.variable), valuesFor(stack))
              if (!variable.startsWith('aws:ResourceTag/')) return true
              const value = secret.tags[variable.slice('aws:ResourceTag/'.length)]
              const values = (condition.values as string[]).map((text) =>
                interpolate(text, valuesFor(stack)),
              )
              switch (condition.test) {
                case 'Null':
                  return values.includes(String(value === undefined))
                case 'StringEquals':
                  return value !== undefined && values.includes(value)
                case 'StringEqualsIfExists':
                  return value === undefined || values.includes(value)
                default:
                  throw new Error(`${statement.where}: no evaluation of ${condition.test}`)
              }
            }),
          )
          .flatMap(actionsOf)
      const made = (stack: string) => ({
        name: `${backendSecretPrefixFor(stack)}billing/3f1c0d1e-0000-4000-8000-000000000000`,
        tags: { 'managed-by': 'switchboard', [agentTag]: 'billing', [stackTag]: stack },
      })
      const legacyMade = (tags: Record<string, string> = {}) => ({
        name: `${legacyBackendSecretPrefix}billing/3f1c0d1e-0000-4000-8000-000000000000`,
        tags: { 'managed-by': 'switchboard', [agentTag]: 'billing', ...tags },
      })

      it("gives neither stack's roles any action on a secret the other's gateway stores now", () => {
        // Assess
        expect(allowed('alpha', made('beta'))).toEqual([])
        expect(allowed('beta', made('alpha'))).toEqual([])
        // Each its own: read (agents), describe, read, delete (admin).
        expect(new Set(allowed('alpha', made('alpha')))).toEqual(
          new Set([
            'secretsmanager:GetSecretValue',
            'secretsmanager:DescribeSecret',
            'secretsmanager:DeleteSecret',
            'secretsmanager:CreateSecret',
            'secretsmanager:TagResource',
          ]),
        )
      })

      it('lets a stack delete the secrets an earlier release stored only once they carry its stack tag, and never the other’s', () => {
        // Assess: once the operator tagged them (README "Upgrading and rolling back").
        expect(allowed('alpha', legacyMade({ [stackTag]: 'beta' }))).toEqual([])
        expect(new Set(allowed('alpha', legacyMade({ [stackTag]: 'alpha' })))).toEqual(
          new Set([
            'secretsmanager:GetSecretValue',
            'secretsmanager:DescribeSecret',
            'secretsmanager:DeleteSecret',
          ]),
        )
        // Untagged: any stack may describe it and ask for its value (the marked-secret grant;
        // the value stays behind its own stack's KMS key), none delete or tag it.
        expect(new Set(allowed('alpha', legacyMade()))).toEqual(
          new Set(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']),
        )
      })
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

  it('lets the admin function read the vectors it writes: calibration scores those /route scores, not its own embeddings', () => {
    // Prepare: the S3 Vectors commands the admin function's index sends (put, delete, and the
    // GetVectors calibration reads with); ListVectors and QueryVectors serve reindex and /route.
    const granted = statements
      .filter(({ where }) => where.includes('aws_iam_policy_document.admin '))
      .filter(({ body }) =>
        (body.resources as string[]).includes('${local.agent_vector_indexes_arn_pattern}'),
      )
      .flatMap(actionsOf)

    // Assess
    expect(granted).toEqual(
      expect.arrayContaining([
        's3vectors:PutVectors',
        's3vectors:DeleteVectors',
        's3vectors:GetVectors',
      ]),
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

  it.each([
    // A config given with a SendMessage is linked to the id its task's Delete derives and bound
    // to its task (link's and bindTask's UpdateItem), or deleted when that Delete came first
    // (deleteInline's DeleteItem), by the callback when the task is on record as its setter's,
    // by the delivery of a push held for it otherwise; a push never records a task's owner.
    [
      'discovery',
      'the push callback',
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      ['dynamodb:GetItem'],
    ],
    [
      'push_delivery',
      'a held push',
      ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      ['dynamodb:GetItem'],
    ],
  ])(
    'lets the %s function (%s) read, bind and delete push configs and read task owners, and nothing more of them',
    (policy, _what, onConfigs, onOwners) => {
      // Prepare
      const grantedOn = (table: string) =>
        statements
          .filter(({ where }) => where.includes(`aws_iam_policy_document.${policy} `))
          .filter(({ body }) =>
            (body.resources as string[]).includes(`\${aws_dynamodb_table.${table}.arn}`),
          )
          .flatMap(actionsOf)
          .sort()

      // Assess
      expect(grantedOn('push_configs')).toEqual(onConfigs)
      expect(grantedOn('task_owners')).toEqual(onOwners)
    },
  )

  it('lets the agents function read, write, update and delete push configs, and nothing more of them', () => {
    // Prepare
    const granted = statements
      .filter(({ where }) => where.includes('aws_iam_policy_document.agents '))
      .filter(({ body }) =>
        (body.resources as string[]).includes('${aws_dynamodb_table.push_configs.arn}'),
      )
      .flatMap(actionsOf)
      .sort()

    // Assess: a setting put and read, a config deleted; its Delete marks its task and id
    // deleted (markDeleted's UpdateItem) and deletes the configs given inline linked to it.
    expect(granted).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ])
  })
})
