// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { getReferencesInExpression } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config.ts'
import { titanDimensions } from '../../lib/discovery/bedrock-embedder.ts'
import { resolveSimple } from './support/expressions.ts'
import { policyStatements } from './support/iam.ts'
import {
  blockOf,
  loadStack,
  nested,
  rootModule,
  stringsIn,
  type TerraformModule,
} from './support/stack.ts'

/**
 * The resources a value depends on, through locals and data sources (a policy document and the
 * documents it takes statements from): what must change before the value can.
 */
const resourcesBehind = async (
  root: TerraformModule,
  value: unknown,
  seen = new Set<string>(),
): Promise<Set<string>> => {
  const found = new Set<string>()
  for (const { text } of stringsIn(value)) {
    if (!text.includes('${')) continue
    for (const { value: reference } of await getReferencesInExpression('vectors.tf', text)) {
      const [kind = '', name = '', third = ''] = reference.split('.')
      const address = kind === 'data' ? `data.${name}.${third}` : `${kind}.${name}`
      if (seen.has(address) || ['var', 'each', 'count', 'path', 'self'].includes(kind)) continue
      seen.add(address)
      if (kind === 'local') {
        for (const behind of await resourcesBehind(root, root.locals[name], seen)) found.add(behind)
      } else if (kind === 'data') {
        for (const behind of await resourcesBehind(root, root.data[name]?.[third], seen))
          found.add(behind)
      } else found.add(address)
    }
  }
  return found
}

describe('Terraform stack: vector index', () => {
  let root: TerraformModule
  let modules: TerraformModule[]
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
  })
  const environment = () =>
    resolveSimple(root, root.locals.gateway_environment) as Record<string, unknown>

  it("has the embedder's dimension, and the functions are told the same one", () => {
    // Prepare
    const index = blockOf(root.resources, 'aws_s3vectors_index', 'agents')
    const embedderDefault = loadConfig({ TOKEN_ISSUER: 'https://issuer.example.com' }).discovery
      .dimension

    // Assess
    expect(index.dimension).toBe('${var.embedding_dimension}')
    expect(resolveSimple(root, index.dimension)).toBe(embedderDefault)
    expect(environment().EMBEDDING_DIMENSION).toBe('${tostring(var.embedding_dimension)}')
    // The variable accepts exactly Titan V2's sizes.
    const [validation] = nested(root.variables.embedding_dimension ?? {}, 'validation')
    expect(String(validation?.condition)).toContain(`[${titanDimensions.join(', ')}]`)
  })

  it('names the index agents at the default dimension (a deployed stack keeps it) and by its dimension otherwise', () => {
    // Prepare
    const index = blockOf(root.resources, 'aws_s3vectors_index', 'agents')

    // Assess: a new dimension creates the new index before the old one is deleted
    // (create-before-destroy.test.ts), so the two need two names.
    expect(index.index_name).toBe(
      '${var.embedding_dimension == 1024 ? "agents" : "agents-${var.embedding_dimension}"}',
    )
    expect(root.variables.embedding_dimension?.default).toBe(1024)
  })

  it('measures cosine distance over float32 vectors', () => {
    // Assess
    const index = blockOf(root.resources, 'aws_s3vectors_index', 'agents')
    expect(index.distance_metric).toBe('cosine')
    expect(index.data_type).toBe('float32')
  })

  it('keeps the metadata the queries filter on (agentId, status) filterable', () => {
    // Assess: S3 Vectors filters on every key not declared non-filterable.
    const index = blockOf(root.resources, 'aws_s3vectors_index', 'agents')
    const nonFilterable = stringsIn(nested(index, 'metadata_configuration')).map(({ text }) => text)
    expect(nonFilterable).not.toContain('agentId')
    expect(nonFilterable).not.toContain('status')
  })

  it('points the functions at this bucket and index', () => {
    // Assess
    expect(environment()).toMatchObject({
      VECTOR_INDEX: 's3vectors',
      EMBEDDER: 'bedrock',
      VECTOR_BUCKET: '${aws_s3vectors_vector_bucket.agents.vector_bucket_name}',
      VECTOR_INDEX_NAME: '${aws_s3vectors_index.agents.index_name}',
    })
  })

  it("grants the roles the indexes of the stack's own bucket, so a new index is granted before the functions' environment names it", async () => {
    // Prepare: a new embedding_dimension replaces the index, and the functions' environment
    // names the new one; a role policy naming the index would change in the same apply, and
    // Terraform orders neither after the other (discovery refused for seconds).
    const vectorStatements = policyStatements(modules).filter(({ body }) =>
      ((body.actions as string[] | undefined) ?? []).some((action) =>
        action.startsWith('s3vectors:'),
      ),
    )
    const policies = root.resources.aws_iam_role_policy ?? {}

    // Act
    const behindPolicies = await resourcesBehind(
      root,
      Object.values(policies).map(([body]) => body?.policy),
    )

    // Assess: granted by the bucket, which a dimension change keeps.
    expect(vectorStatements.map(({ where }) => where).sort()).toEqual([
      'terraform: data.aws_iam_policy_document.admin IndexAgentVectors',
      'terraform: data.aws_iam_policy_document.admin ReadAgentVectors',
      'terraform: data.aws_iam_policy_document.find_agents QueryAgentVectors',
    ])
    for (const { body } of vectorStatements) {
      expect(body.resources).toEqual(['${local.agent_vector_indexes_arn_pattern}'])
    }
    expect(root.locals.agent_vector_indexes_arn_pattern).toBe(
      '${aws_s3vectors_vector_bucket.agents.vector_bucket_arn}/index/*',
    )
    expect(behindPolicies).toContain('aws_s3vectors_vector_bucket.agents')
    expect(behindPolicies).not.toContain('aws_s3vectors_index.agents')
    expect(environment().VECTOR_INDEX_NAME).toBe('${aws_s3vectors_index.agents.index_name}')
  })
})
