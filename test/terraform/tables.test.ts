// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import { createTableInput, type TableKey, tables } from '../../lib/tables.ts'
import { resolveSimple } from './support/expressions.ts'
import { type Body, loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: DynamoDB tables', () => {
  let root: TerraformModule
  let declared: [string, Body][]
  beforeAll(async () => {
    root = rootModule(await loadStack())
    declared = Object.entries(root.resources.aws_dynamodb_table ?? {}).map(([name, bodies]) => [
      name,
      bodies[0] ?? {},
    ])
  })

  const tableNamed = (name: string) =>
    declared.find(([, body]) => body.name === `\${local.table_prefix}${name}`)?.[1]

  it('declares exactly the tables of lib/tables.ts, named <TABLE_PREFIX><name>', () => {
    // Assess
    expect(declared.map(([, body]) => body.name).sort()).toEqual(
      Object.values(tables)
        .map((table) => `\${local.table_prefix}${table.name}`)
        .sort(),
    )
    // lib/config.ts's default TABLE_PREFIX is "switchboard-", as var.name's default gives.
    expect(root.locals.table_prefix).toBe('${var.name}-')
    expect(root.variables.name?.default).toBe('switchboard')
  })

  it.each(Object.entries(tables).map(([key, table]) => ({ key: key as TableKey, ...table })))(
    '$name: on-demand, its partition key and indexes, its TTL, its point-in-time recovery',
    (table) => {
      // Prepare
      const created = createTableInput(table.key, '')
      const body = tableNamed(table.name)
      if (!body) throw new Error(`no aws_dynamodb_table named ${table.name}`)

      // Assess
      expect(body.billing_mode).toBe('PAY_PER_REQUEST')
      expect(body.hash_key).toBe(table.partitionKey)
      expect(body.range_key).toBeUndefined()
      const byName = (a: { name?: unknown }, b: { name?: unknown }) =>
        String(a.name).localeCompare(String(b.name))
      expect(nested(body, 'attribute').sort(byName)).toEqual(
        (created.AttributeDefinitions ?? [])
          .map(({ AttributeName }) => ({ name: AttributeName, type: 'S' }))
          .sort(byName),
      )
      expect(nested(body, 'global_secondary_index')).toEqual(
        (created.GlobalSecondaryIndexes ?? []).map(({ IndexName, KeySchema }) => ({
          name: IndexName,
          hash_key: KeySchema?.[0]?.AttributeName,
          range_key: KeySchema?.[1]?.AttributeName,
          projection_type: 'ALL',
        })),
      )
      const ttl = nested(body, 'ttl').filter((block) => resolveSimple(root, block.enabled) === true)
      expect(ttl.map((block) => block.attribute_name)).toEqual(
        'ttlAttribute' in table ? [table.ttlAttribute] : [],
      )
      const recovery = nested(body, 'point_in_time_recovery')
      expect(recovery.some((block) => block.enabled === true)).toBe(table.pointInTimeRecovery)
    },
  )
})
