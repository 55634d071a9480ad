// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { join } from 'node:path'
import { getReferencesInExpression } from '@cdktf/hcl2json'
import { beforeAll, describe, expect, it } from 'vitest'
import { metricDefinitions, metricsNamespace } from '../../lib/observability/metrics.ts'
import { tables } from '../../lib/tables.ts'
import { type MetricUse, namespaceUses } from './support/cloudwatch.ts'
import { wholeExpression } from './support/expressions.ts'
import { type Body, blockOf, loadStack, rootModule, type TerraformModule } from './support/stack.ts'

type MetricName = keyof typeof metricDefinitions

/** Whether a use names a metric the code emits, with one of the dimension sets it emits it with. */
const emitted = (use: MetricUse) => {
  const definition = metricDefinitions[use.metric as MetricName] as
    | (typeof metricDefinitions)[MetricName]
    | undefined
  return Boolean(
    definition?.dimensionSets.some((set) => [...set].sort().join() === use.dimensions.join()),
  )
}

/** The alarm resource types, whose every block must notify someone. */
const alarmTypes = ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm']

describe('Terraform stack: dashboard and alarms', () => {
  let modules: TerraformModule[]
  let root: TerraformModule
  let dashboardWidgets: Body[]
  beforeAll(async () => {
    modules = await loadStack()
    root = rootModule(modules)
    dashboardWidgets = root.locals.dashboard_widgets as Body[]
  })

  /** The metrics a for-built widget of the dashboard reads, one line per element of `local.<over>`. */
  const widgetsOver = (over: string, namespace: string) =>
    dashboardWidgets
      .map((widget) => String(widget.metrics))
      .flatMap((metrics) => [
        ...metrics.matchAll(
          new RegExp(
            `for\\s+\\w+\\s*,\\s*(\\w+)\\s+in\\s+local\\.${over}\\s*:\\s*\\[\\s*"${namespace}"\\s*,\\s*"(\\w+)"\\s*,\\s*"\\w+"\\s*,\\s*\\1\\b`,
            'g',
          ),
        ),
      ])
      .map((match) => match[2])

  it(`reads only metrics of metricDefinitions in the ${metricsNamespace} namespace, each with one of its dimension sets`, () => {
    // Act: every file of the root module, so an alarm or widget added anywhere is read.
    const { uses } = namespaceUses(
      root.files.map((file) => file.json),
      metricsNamespace,
    )

    // Assess
    expect(uses.length).toBeGreaterThan(20)
    expect(uses.filter((use) => !emitted(use))).toEqual([])
  })

  it(`names the ${metricsNamespace} namespace only in forms this check reads`, () => {
    // Act
    const { unrecognised } = namespaceUses(
      root.files.map((file) => file.json),
      metricsNamespace,
    )

    // Assess: a plain FROM "Switchboard" mixes every dimension set; a metric array built
    // in a for expression, or dimensions given as an expression, cannot be checked.
    expect(unrecognised).toEqual([])
  })

  it('shows every metric of metricDefinitions on the dashboard, per agent through SEARCH or Metrics Insights only', () => {
    // Act
    const { uses } = namespaceUses(
      [dashboardWidgets, root.resources.aws_cloudwatch_dashboard],
      metricsNamespace,
    )

    // Assess: the body is built from those widgets; agents registered after the apply appear on their own.
    const dashboard = blockOf(root.resources, 'aws_cloudwatch_dashboard', 'gateway')
    expect(String(dashboard.dashboard_body)).toMatch(/in\s+local\.dashboard_widgets\s*:/)
    expect([...new Set(uses.map((use) => use.metric))].sort()).toEqual(
      Object.keys(metricDefinitions).sort(),
    )
    const perAgent = uses.filter((use) => use.dimensions.includes('agent'))
    expect(perAgent.length).toBeGreaterThan(5)
    expect(perAgent.filter((use) => use.kind !== 'search' && use.kind !== 'insights')).toEqual([])
  })

  it('says which series of each agent and operation a widget shows, however large the fleet', () => {
    // Act: the widgets' expressions that read a metric per agent and operation. SEARCH stops at
    // 500 series, an arbitrary 500: some 45 agents called with all eleven operations.
    const expressions = dashboardWidgets
      .flatMap((widget) => (Array.isArray(widget.metrics) ? widget.metrics.flat() : []))
      .flatMap((metric) =>
        typeof metric === 'object' && metric !== null && 'expression' in metric
          ? [String(metric.expression)]
          : [],
      )
    const perOperation = expressions.filter((expression) =>
      /\{Switchboard,agent,operation\}|SCHEMA\("Switchboard", agent, operation\)/.test(expression),
    )

    // Assess: the busiest few, ranked by Metrics Insights, or one operation's series per agent
    // (500 agents); the title says which.
    const readable = (expression: string) => {
      const top = /ORDER BY [A-Z]+\(\) DESC LIMIT (\d+)$/.exec(expression)
      return top ? Number(top[1]) <= 50 : /\} MetricName="\w+" operation="\w+"'/.test(expression)
    }
    expect(perOperation.length).toBeGreaterThanOrEqual(4)
    expect(perOperation.filter((expression) => !readable(expression))).toEqual([])
  })

  it('covers agents unknown at apply with an alarm on every agent, besides the listed ones', () => {
    // Prepare
    const { uses } = namespaceUses(root.resources.aws_cloudwatch_metric_alarm, metricsNamespace)

    // Assess: a Metrics Insights alarm grouped by agent, and the whole gateway's rate.
    expect(uses).toContainEqual(
      expect.objectContaining({ kind: 'insights', metric: 'CallFailures', dimensions: ['agent'] }),
    )
    expect(uses).toContainEqual(
      expect.objectContaining({ kind: 'attribute', metric: 'CallFailures', dimensions: [] }),
    )
  })

  it('gives every alarm an alarm action and an OK action, all to an SNS topic of the stack', () => {
    // Prepare: `local.x` is followed once.
    const actionsOf = (value: unknown): unknown => {
      const local = /^local\.([A-Za-z0-9_]+)$/.exec(wholeExpression(value) ?? '')?.[1]
      return local ? root.locals[local] : value
    }
    const alarms = modules.flatMap((module) =>
      alarmTypes.flatMap((type) =>
        Object.entries(module.resources[type] ?? {}).map(([name, bodies]) => ({
          alarm: `${module.dir}: ${type}.${name}`,
          body: bodies[0] ?? {},
        })),
      ),
    )
    const notifiesATopic = (actions: unknown) =>
      Array.isArray(actions) &&
      actions.length > 0 &&
      actions.every((action) => {
        const topic = /^aws_sns_topic\.([A-Za-z0-9_-]+)\.arn$/.exec(wholeExpression(action) ?? '')
        return Boolean(topic?.[1] && root.resources.aws_sns_topic?.[topic[1]])
      })

    // Act
    const silent = alarms
      .filter(({ body }) => !notifiesATopic(actionsOf(body.alarm_actions)))
      .map(({ alarm }) => alarm)
    const neverCleared = alarms
      .filter(({ body }) => !notifiesATopic(actionsOf(body.ok_actions)))
      .map(({ alarm }) => alarm)

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(8)
    expect(silent).toEqual([])
    expect(neverCleared).toEqual([])
  })

  it("shows every Lambda function of the stack, the sample agents' too, on the dashboard, with errors and throttles alarms", async () => {
    // Prepare: what local.monitored_functions names.
    const references = (
      await getReferencesInExpression('dashboard.tf', String(root.locals.monitored_functions))
    ).map((reference) => reference.value)
    const missing = Object.keys(root.resources.aws_lambda_function ?? {})
      .map((name) => `aws_lambda_function.${name}`)
      .filter((address) => !references.includes(address))
    // A module's functions count when one of its outputs names them and the list reads that output.
    for (const [call, body] of Object.entries(root.modules)) {
      const module = modules.find((each) => each.dir === join('terraform', String(body.source)))
      for (const name of Object.keys(module?.resources.aws_lambda_function ?? {})) {
        const outputs = Object.entries(module?.outputs ?? {})
          .filter(([, output]) => String(output.value).includes(`aws_lambda_function.${name}`))
          .map(([output]) => output)
        const read = references.some((reference) =>
          outputs.some((output) =>
            new RegExp(`^module\\.${call}(\\.\\d+)?\\.${output}$`).test(reference),
          ),
        )
        if (!read) missing.push(`module.${call}: aws_lambda_function.${name}`)
      }
    }

    // Assess
    expect(references.length).toBeGreaterThan(0)
    expect(missing).toEqual([])
    expect(widgetsOver('monitored_functions', 'AWS/Lambda').sort()).toEqual(
      ['ConcurrentExecutions', 'Duration', 'Errors', 'Throttles'].sort(),
    )
    for (const alarm of ['lambda_errors', 'lambda_throttles']) {
      expect(blockOf(root.resources, 'aws_cloudwatch_metric_alarm', alarm).for_each, alarm).toBe(
        '${local.monitored_functions}',
      )
    }
  })

  it('shows every table of lib/tables.ts on the dashboard, with a throttling alarm', () => {
    // Prepare
    const monitored = root.locals.monitored_tables as Record<string, string>

    // Assess: keyed by the table's name, each the aws_dynamodb_table of that name.
    expect(Object.keys(monitored).sort()).toEqual(
      Object.values(tables)
        .map((table) => table.name)
        .sort(),
    )
    for (const [name, value] of Object.entries(monitored)) {
      const resource = /^aws_dynamodb_table\.([A-Za-z0-9_]+)\.name$/.exec(
        wholeExpression(value) ?? '',
      )?.[1]
      expect(resource, name).toBeDefined()
      expect(blockOf(root.resources, 'aws_dynamodb_table', resource ?? '').name, name).toBe(
        `\${local.table_prefix}${name}`,
      )
    }
    expect(widgetsOver('monitored_tables', 'AWS/DynamoDB').sort()).toEqual(
      [
        'ConsumedReadCapacityUnits',
        'ConsumedWriteCapacityUnits',
        'ReadThrottleEvents',
        'WriteThrottleEvents',
      ].sort(),
    )
    expect(
      blockOf(root.resources, 'aws_cloudwatch_metric_alarm', 'dynamodb_throttles').for_each,
    ).toBe('${local.monitored_tables}')
  })
})
