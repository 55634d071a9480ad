// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform interpolations, compared as the literal text hcl2json gives.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  awsEnvironmentSource,
  loadConfig,
  pushDeliveryFunctionTimeoutMs,
} from '../../lib/config.ts'
import { compact, resolveSimple, wholeExpression } from './support/expressions.ts'
import { type Body, loadStack, nested, rootModule, type TerraformModule } from './support/stack.ts'

describe('Terraform stack: push delivery', () => {
  let root: TerraformModule
  beforeAll(async () => {
    root = rootModule(await loadStack())
  })

  const queue = (name: string) => root.resources.aws_sqs_queue?.[name]?.[0] as Body
  const documentNamed = (name: string) => root.data.aws_iam_policy_document?.[name]?.[0] as Body

  /** The statements of a handler's role: its own document and those it sources. */
  const statementsOf = (handler: string): Body[] => {
    const own = /^data\.aws_iam_policy_document\.([a-z0-9_]+)\.json$/.exec(
      wholeExpression((root.locals.handler_policies as Record<string, unknown>)[handler]) ?? '',
    )?.[1] as string
    const sources = (
      (documentNamed(own).source_policy_documents as string[] | undefined) ?? []
    ).map((source) => /aws_iam_policy_document\.([a-z0-9_]+)\.json/.exec(source)?.[1] as string)
    return [own, ...sources].flatMap((name) => nested(documentNamed(name), 'statement'))
  }

  /** The actions a handler may take on one resource, sorted. */
  const actionsOn = (handler: string, resource: string) =>
    statementsOf(handler)
      .filter((statement) => (statement.resources as string[]).includes(resource))
      .flatMap((statement) => statement.actions as string[])
      .sort()

  it('queues pushes in an encrypted SQS queue whose failed messages go to an encrypted DLQ', () => {
    // Assess
    const deliveries = queue('push_deliveries')
    const deadLetters = queue('push_dead_letters')
    expect(deliveries.sqs_managed_sse_enabled).toBe(true)
    expect(deadLetters.sqs_managed_sse_enabled).toBe(true)
    expect(String(deliveries.redrive_policy)).toContain('aws_sqs_queue.push_dead_letters.arn')
    expect(String(deliveries.redrive_policy)).toMatch(/maxReceiveCount\s*=\s*3/)
  })

  it('gives every delivery more time in flight than the delivery function may take', () => {
    // Assess
    const handlers = root.locals.handlers as Record<string, { timeout: number }>
    expect(handlers['push-delivery']?.timeout).toBeGreaterThan(0)
    expect(queue('push_deliveries').visibility_timeout_seconds).toBeGreaterThanOrEqual(
      6 * (handlers['push-delivery']?.timeout ?? Number.POSITIVE_INFINITY),
    )
  })

  it('feeds the queue to the push-delivery function, reporting failed messages one by one', () => {
    // Assess
    const mapping = root.resources.aws_lambda_event_source_mapping?.push_deliveries?.[0] as Body
    expect(mapping.event_source_arn).toBe('${aws_sqs_queue.push_deliveries.arn}')
    expect(mapping.function_name).toBe('${aws_lambda_function.handler["push-delivery"].arn}')
    expect(mapping.function_response_types).toEqual(['ReportBatchItemFailures'])
  })

  it("runs at most push_delivery_max_concurrency delivery functions at once, so pushes cannot take the account's concurrency from calls", () => {
    // Assess
    const mapping = root.resources.aws_lambda_event_source_mapping?.push_deliveries?.[0] as Body
    expect(nested(mapping, 'scaling_config')).toEqual([
      { maximum_concurrency: '${var.push_delivery_max_concurrency}' },
    ])
    expect((root.variables.push_delivery_max_concurrency as Body).default).toBe(100)
  })

  it('tells the alarms topic once the oldest push has waited longer than any push delivered in time may, long before the queue drops it', () => {
    // Prepare: a push handed back on each of its three receives waits three visibility timeouts.
    const deliveries = queue('push_deliveries')
    const alarm = root.resources.aws_cloudwatch_metric_alarm?.push_delivery_backlog?.[0] as Body

    // Assess
    expect(alarm).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: '${aws_sqs_queue.push_deliveries.name}' },
      statistic: 'Maximum',
      comparison_operator: 'GreaterThanThreshold',
      alarm_actions: '${local.alarm_actions}',
      ok_actions: '${local.alarm_actions}',
    })
    expect(alarm.threshold).toBeGreaterThan(3 * (deliveries.visibility_timeout_seconds as number))
    expect(alarm.threshold).toBeLessThanOrEqual(
      (deliveries.message_retention_seconds as number) / 4,
    )
  })

  it('tells the alarms topic while a push waits in the DLQ, which the gateway failed three times and no one else hears of', () => {
    // Prepare: a push the function hands back (`batchItemFailures`) is no Lambda error
    const alarm = root.resources.aws_cloudwatch_metric_alarm
      ?.push_delivery_dead_letters?.[0] as Body

    // Assess: any message at all, for as long as one waits there (until redriven or deleted)
    expect(alarm).toMatchObject({
      namespace: 'AWS/SQS',
      metric_name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: '${aws_sqs_queue.push_dead_letters.name}' },
      statistic: 'Maximum',
      comparison_operator: 'GreaterThanThreshold',
      threshold: 0,
      alarm_actions: '${local.alarm_actions}',
      ok_actions: '${local.alarm_actions}',
    })
  })

  it('lets the callback send to the queue, and only the delivery function receive from it (and queue a held push again)', () => {
    // Prepare
    const deliveries = '${aws_sqs_queue.push_deliveries.arn}'

    // Assess
    expect(actionsOn('discovery', deliveries)).toEqual(['sqs:SendMessage'])
    expect(actionsOn('push-delivery', deliveries)).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ])
    expect(actionsOn('agents', deliveries)).toEqual([])
    expect(actionsOn('admin', deliveries)).toEqual([])
  })

  it('lets each function touch the push tables only as it needs', () => {
    // Prepare
    const configs = '${aws_dynamodb_table.push_configs.arn}'
    const deadLetters = '${aws_dynamodb_table.push_dead_letters.arn}'

    // Assess
    // The agents function sets, reads, marks (a Delete's, UpdateItem) and deletes configs; the
    // callback and a held push's delivery read, link and bind (UpdateItem) and delete one whose
    // task's Delete came first.
    expect(actionsOn('agents', configs)).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ])
    for (const fn of ['discovery', 'push-delivery']) {
      expect(actionsOn(fn, configs), fn).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
      ])
      // A held push waits for its task's owner, which no push ever writes.
      expect(actionsOn(fn, '${aws_dynamodb_table.task_owners.arn}'), fn).toEqual([
        'dynamodb:GetItem',
      ])
    }
    expect(actionsOn('push-delivery', deadLetters)).toEqual(['dynamodb:PutItem'])
    expect(actionsOn('push-delivery', '${aws_kms_key.card_signing.arn}')).toEqual(['kms:Sign'])
  })

  it("lets the callback and the delivery read the token revocations a config's setting is held to", () => {
    // Prepare
    const revocations = '${aws_dynamodb_table.token_revocations.arn}'

    // Assess
    expect(actionsOn('discovery', revocations)).toEqual(['dynamodb:GetItem'])
    expect(actionsOn('push-delivery', revocations)).toEqual(['dynamodb:GetItem'])
  })

  it('tells every function the queue by PUSH_DELIVERY_QUEUE_URL', () => {
    // Assess
    expect(awsEnvironmentSource.PUSH_DELIVERY_QUEUE_URL).toBe('terraform')
    expect(resolveSimple(root, root.locals.gateway_environment)).toMatchObject({
      PUSH_DELIVERY_QUEUE_URL: '${aws_sqs_queue.push_deliveries.url}',
    })
  })
  it("times the push-delivery function as lib/config.ts's check of a push's attempts assumes", () => {
    // Assess
    const handlers = root.locals.handlers as Record<string, { timeout: number }>
    expect((handlers['push-delivery']?.timeout ?? 0) * 1000).toBe(pushDeliveryFunctionTimeoutMs)
  })

  it('lets through exactly the webhook timeouts the handlers start with, given the attempts and waits it sets', () => {
    // Prepare: the stack's push settings, and the largest timeout its validation lets through.
    const environment = resolveSimple(root, root.locals.gateway_environment) as Record<
      string,
      string
    >
    const variable = root.variables.push_webhook_timeout_ms as Body
    const [condition] = nested(variable, 'validation').map((validation) =>
      compact(wholeExpression(validation.condition) ?? ''),
    )
    const largest = Number(/var\.push_webhook_timeout_ms<=(\d+)/.exec(condition ?? '')?.[1])
    const handlersStartWith = (timeoutMs: number) => {
      try {
        loadConfig({
          TOKEN_ISSUER: 'https://id.example.com',
          PUSH_DELIVERY_ATTEMPTS: environment.PUSH_DELIVERY_ATTEMPTS,
          PUSH_RETRY_BASE_MS: environment.PUSH_RETRY_BASE_MS,
          PUSH_WEBHOOK_TIMEOUT_MS: String(timeoutMs),
        })
        return true
      } catch {
        return false
      }
    }

    // Assess
    expect(environment.PUSH_WEBHOOK_TIMEOUT_MS).toBe('${tostring(var.push_webhook_timeout_ms)}')
    expect(largest).toBeGreaterThan(0)
    expect(handlersStartWith(largest)).toBe(true)
    expect(handlersStartWith(largest + 1)).toBe(false)
    expect(handlersStartWith(variable.default as number)).toBe(true)
  })
})
