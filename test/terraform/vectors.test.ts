// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../lib/config.ts'
import { titanDimensions } from '../../lib/discovery/bedrock-embedder.ts'
import { resolveSimple } from './support/expressions.ts'
import {
  blockOf,
  loadStack,
  nested,
  rootModule,
  stringsIn,
  type TerraformModule,
} from './support/stack.ts'

describe('Terraform stack: vector index', () => {
  let root: TerraformModule
  beforeAll(async () => {
    root = rootModule(await loadStack())
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
})
