# One CloudWatch dashboard for the on-call engineer (docs/architecture.md,
# "Dashboard and alarms"). The gateway's own metrics (namespace Switchboard,
# lib/observability/metrics.ts, whose metricDefinitions test/terraform/ checks
# every name and dimension set here against) are read through SEARCH
# expressions and Metrics Insights queries, so an agent registered after the
# apply shows up on its own; the AWS metrics name each function, table and the
# stage.

locals {
  # Every Lambda function of the stack, gateway and sample agents, by a key of
  # its own (the sample agents' prefixed, so no key of one hides the other's).
  monitored_functions = merge(
    { for key, function in aws_lambda_function.handler : key => function.function_name },
    var.deploy_sample_agents ? { for key, name in module.sample_agents[0].function_names : "agent-${key}" => name } : {},
  )

  # Every table of lib/tables.ts (dynamodb.tf declares them one block each).
  monitored_tables = {
    agents            = aws_dynamodb_table.agents.name
    permissions       = aws_dynamodb_table.permissions.name
    rate-limits       = aws_dynamodb_table.rate_limits.name
    idempotency       = aws_dynamodb_table.idempotency.name
    task-owners       = aws_dynamodb_table.task_owners.name
    push-configs      = aws_dynamodb_table.push_configs.name
    push-dead-letters = aws_dynamodb_table.push_dead_letters.name
    settings          = aws_dynamodb_table.settings.name
    token-revocations = aws_dynamodb_table.token_revocations.name
    audit             = aws_dynamodb_table.audit.name
  }

  # The AWS console, by partition, for the dashboard_url output.
  console_domains = {
    aws        = "console.aws.amazon.com"
    aws-us-gov = "console.amazonaws-us-gov.com"
    aws-cn     = "console.amazonaws.cn"
  }

  # The stage's metrics (REST API: by API name and stage).
  api_metric_dimensions = ["ApiName", aws_api_gateway_rest_api.gateway.name, "Stage", var.stage_name]

  # Each widget's title and metrics; its place follows from its index below.
  dashboard_widgets = [
    # Calls through the gateway, per agent and operation. A SEARCH schema (in
    # braces) matches the metrics with exactly its dimensions.
    {
      title = "Calls per agent"
      stat  = "Sum"
      metrics = [
        [{ id = "calls", expression = "SEARCH('{Switchboard,agent} MetricName=\"Calls\"', 'Sum', 300)", label = "" }],
      ]
    },
    {
      title = "Call failures per agent (5xx, broken streams, agent unreachable)"
      stat  = "Sum"
      metrics = [
        [{ id = "failures", expression = "SEARCH('{Switchboard,agent} MetricName=\"CallFailures\"', 'Sum', 300)", label = "" }],
      ]
    },
    {
      title = "Whole gateway: calls, failures and failure rate (%)"
      stat  = "Sum"
      metrics = [
        ["Switchboard", "Calls", { id = "calls", label = "Calls" }],
        ["Switchboard", "CallFailures", { id = "failures", label = "Failures" }],
        [{ id = "rate", expression = "IF(calls > 0, 100 * failures / calls, 0)", label = "Failure rate (%)", yAxis = "right" }],
      ]
    },
    # Per agent and operation, a fleet passes SEARCH's 500 series at some 45 agents called with
    # every operation, past which it shows an arbitrary 500: the counts rank the busiest with
    # Metrics Insights (which has no percentiles), and the latency keeps to SendMessage, one
    # series per agent, as the per-agent latency alarms do.
    {
      title = "Calls per agent and operation: the 20 busiest"
      stat  = "Sum"
      metrics = [
        [{ id = "calls", expression = "SELECT SUM(Calls) FROM SCHEMA(\"Switchboard\", agent, operation) GROUP BY agent, operation ORDER BY SUM() DESC LIMIT 20" }],
      ]
    },
    {
      title = "Call failures per agent and operation: the 20 failing most"
      stat  = "Sum"
      metrics = [
        [{ id = "failures", expression = "SELECT SUM(CallFailures) FROM SCHEMA(\"Switchboard\", agent, operation) GROUP BY agent, operation ORDER BY SUM() DESC LIMIT 20" }],
      ]
    },
    {
      title = "SendMessage latency p50 per agent (ms)"
      stat  = "p50"
      metrics = [
        [{ id = "p50", expression = "SEARCH('{Switchboard,agent,operation} MetricName=\"CallDuration\" operation=\"SendMessage\"', 'p50', 300)", label = "" }],
      ]
    },
    {
      title = "SendMessage latency p99 per agent (ms)"
      stat  = "p99"
      metrics = [
        [{ id = "p99", expression = "SEARCH('{Switchboard,agent,operation} MetricName=\"CallDuration\" operation=\"SendMessage\"', 'p99', 300)", label = "" }],
      ]
    },
    # Refusals: the caller's limits (429: rate-limit, stream-limit) and /route.
    {
      title = "Calls refused (429) by reason"
      stat  = "Sum"
      metrics = [
        [{ id = "refused", expression = "SEARCH('{Switchboard,reason} MetricName=\"CallsRefused\"', 'Sum', 300)", label = "" }],
      ]
    },
    {
      title = "Calls refused (429) per agent and reason"
      stat  = "Sum"
      metrics = [
        [{ id = "refused", expression = "SEARCH('{Switchboard,agent,reason} MetricName=\"CallsRefused\"', 'Sum', 300)", label = "" }],
      ]
    },
    {
      title = "/route: messages routed per agent, and kept back"
      stat  = "Sum"
      metrics = [
        [{ id = "routed", expression = "SEARCH('{Switchboard,agent} MetricName=\"Routed\"', 'Sum', 300)", label = "" }],
        ["Switchboard", "RouteRefused", { label = "No confident match" }],
      ]
    },
    {
      title = "Authorizer: denials by reason, and errors"
      stat  = "Sum"
      metrics = [
        [{ id = "denials", expression = "SEARCH('{Switchboard,reason} MetricName=\"AuthorizerDenials\"', 'Sum', 300)", label = "" }],
        ["Switchboard", "AuthorizerErrors", { label = "Authorizer errors", color = "#d62728" }],
      ]
    },
    {
      title = "Streams opened per agent"
      stat  = "Sum"
      metrics = [
        [{ id = "streams", expression = "SEARCH('{Switchboard,agent} MetricName=\"Streams\"', 'Sum', 300)", label = "" }],
      ]
    },
    {
      title = "Stream duration p50 and p99 per agent (ms)"
      stat  = "p99"
      metrics = [
        [{ id = "p50", expression = "SEARCH('{Switchboard,agent} MetricName=\"StreamDuration\"', 'p50', 300)", label = "p50" }],
        [{ id = "p99", expression = "SEARCH('{Switchboard,agent} MetricName=\"StreamDuration\"', 'p99', 300)", label = "p99" }],
      ]
    },
    # API Gateway: what callers saw, the authorizer's and API Gateway's own refusals included.
    {
      title = "API Gateway: requests, 4xx and 5xx"
      stat  = "Sum"
      metrics = [
        concat(["AWS/ApiGateway", "Count"], local.api_metric_dimensions, [{ label = "Requests" }]),
        concat(["AWS/ApiGateway", "4XXError"], local.api_metric_dimensions, [{ label = "4xx" }]),
        concat(["AWS/ApiGateway", "5XXError"], local.api_metric_dimensions, [{ label = "5xx", color = "#d62728" }]),
      ]
    },
    {
      title = "API Gateway: latency p50 and p99, and the integration's p99 (ms)"
      stat  = "p99"
      metrics = [
        concat(["AWS/ApiGateway", "Latency"], local.api_metric_dimensions, [{ stat = "p50", label = "Latency p50" }]),
        concat(["AWS/ApiGateway", "Latency"], local.api_metric_dimensions, [{ stat = "p99", label = "Latency p99" }]),
        concat(["AWS/ApiGateway", "IntegrationLatency"], local.api_metric_dimensions, [{ stat = "p99", label = "Integration p99" }]),
      ]
    },
    # Lambda, one line per function.
    {
      title   = "Lambda errors per function"
      stat    = "Sum"
      metrics = [for key, name in local.monitored_functions : ["AWS/Lambda", "Errors", "FunctionName", name, { label = key }]]
    },
    {
      title   = "Lambda throttles per function"
      stat    = "Sum"
      metrics = [for key, name in local.monitored_functions : ["AWS/Lambda", "Throttles", "FunctionName", name, { label = key }]]
    },
    {
      title   = "Lambda concurrent executions per function (max)"
      stat    = "Maximum"
      metrics = [for key, name in local.monitored_functions : ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", name, { label = key }]]
    },
    {
      title   = "Lambda duration p99 per function (ms)"
      stat    = "p99"
      metrics = [for key, name in local.monitored_functions : ["AWS/Lambda", "Duration", "FunctionName", name, { label = key }]]
    },
    # DynamoDB, one line per table (on-demand: throttling means a partition's limit).
    {
      title = "DynamoDB throttled reads and writes per table"
      stat  = "Sum"
      metrics = concat(
        [for key, name in local.monitored_tables : ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", name, { label = "${key} reads" }]],
        [for key, name in local.monitored_tables : ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", name, { label = "${key} writes" }]],
      )
    },
    {
      title   = "DynamoDB consumed read capacity per table"
      stat    = "Sum"
      metrics = [for key, name in local.monitored_tables : ["AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", name, { label = key }]]
    },
    {
      title   = "DynamoDB consumed write capacity per table"
      stat    = "Sum"
      metrics = [for key, name in local.monitored_tables : ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", name, { label = key }]]
    },
  ]
}

resource "aws_cloudwatch_dashboard" "gateway" {
  dashboard_name = var.name

  # Three widgets a row, in the order above.
  dashboard_body = jsonencode({
    widgets = [for index, widget in local.dashboard_widgets : {
      type   = "metric"
      x      = (index % 3) * 8
      y      = floor(index / 3) * 6
      width  = 8
      height = 6
      properties = {
        title   = widget.title
        region  = var.region
        view    = "timeSeries"
        stacked = false
        period  = 300
        stat    = widget.stat
        metrics = widget.metrics
      }
    }]
  })
}
