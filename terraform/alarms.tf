# Alarms, each telling the alarms topic when it fires and when it clears
# (docs/architecture.md, "Dashboard and alarms"). A CloudWatch alarm cannot use
# SEARCH, so the agents are covered three ways: the whole gateway's failure
# rate (the metrics without dimensions, every agent counted, known or not), a
# Metrics Insights alarm whose every agent is a contributor of its own (any
# agent, registered whenever), and the failure rate and p99 latency of each
# agent named in alarm_agent_ids, which need one alarm per agent (a Metrics
# Insights alarm can neither divide nor take a percentile).

resource "aws_sns_topic" "alarms" {
  name = "${var.name}-alarms"
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  # Who hears of an alarm: the topic, when it fires and when it clears.
  alarm_actions = [aws_sns_topic.alarms.arn]

  # One-minute periods; an alarm fires on 3 breaching minutes out of 5, so one
  # bad minute does not wake anybody.
  alarm_period              = 60
  alarm_evaluation_periods  = 5
  alarm_datapoints_to_alarm = 3
}

# Answers of 5xx among all the stage's answers (5XXError's average is that share).
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name        = "${var.name}-api-5xx-rate"
  alarm_description = "More than ${var.api_5xx_rate_threshold_percent}% of the API's answers were 5xx, in 3 minutes of 5."

  namespace   = "AWS/ApiGateway"
  metric_name = "5XXError"
  dimensions = {
    ApiName = aws_api_gateway_rest_api.gateway.name
    Stage   = var.stage_name
  }
  statistic = "Average"
  period    = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.api_5xx_rate_threshold_percent / 100
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# Calls the agents or the gateway failed, among all calls, whatever the agent.
resource "aws_cloudwatch_metric_alarm" "gateway_failure_rate" {
  alarm_name        = "${var.name}-call-failure-rate"
  alarm_description = "More than ${var.agent_failure_rate_threshold_percent}% of all forwarded calls failed (5xx, broken streams, agent unreachable), in 3 minutes of 5. The dashboard's per-agent widgets say which agent."

  metric_query {
    id          = "rate"
    expression  = "IF(calls > 0, 100 * failures / calls, 0)"
    label       = "Failed calls (%)"
    return_data = true
  }

  metric_query {
    id = "calls"

    metric {
      namespace   = "Switchboard"
      metric_name = "Calls"
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  metric_query {
    id = "failures"

    metric {
      namespace   = "Switchboard"
      metric_name = "CallFailures"
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.agent_failure_rate_threshold_percent
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# Every agent, registered before or after the apply: a multi-time-series
# Metrics Insights alarm (GROUP BY, ORDER BY), each agent a contributor with
# its own state, the alarm in ALARM while any one is.
resource "aws_cloudwatch_metric_alarm" "agent_failures" {
  alarm_name        = "${var.name}-agent-failures"
  alarm_description = "An agent had more than ${var.agent_failures_threshold} failed calls in a minute, in 3 minutes of 5; the alarm's contributors name the agents."

  metric_query {
    id          = "failures"
    expression  = "SELECT SUM(CallFailures) FROM SCHEMA(\"Switchboard\", agent) GROUP BY agent ORDER BY SUM() DESC"
    period      = local.alarm_period
    label       = "Failed calls per agent"
    return_data = true
  }

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.agent_failures_threshold
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# The agents named in alarm_agent_ids, one by one: their failure rate...
resource "aws_cloudwatch_metric_alarm" "agent_failure_rate" {
  for_each = toset(var.alarm_agent_ids)

  alarm_name        = "${var.name}-agent-${each.key}-failure-rate"
  alarm_description = "More than ${var.agent_failure_rate_threshold_percent}% of the calls to agent ${each.key} failed (5xx, broken streams, agent unreachable), in 3 minutes of 5."

  metric_query {
    id          = "rate"
    expression  = "IF(calls > 0, 100 * failures / calls, 0)"
    label       = "Failed calls to ${each.key} (%)"
    return_data = true
  }

  metric_query {
    id = "calls"

    metric {
      namespace   = "Switchboard"
      metric_name = "Calls"
      dimensions  = { agent = each.key }
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  metric_query {
    id = "failures"

    metric {
      namespace   = "Switchboard"
      metric_name = "CallFailures"
      dimensions  = { agent = each.key }
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.agent_failure_rate_threshold_percent
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# ...and their p99 latency on SendMessage, the unary call a caller waits on (a
# stream's CallDuration is the whole stream, however long the caller wants it).
resource "aws_cloudwatch_metric_alarm" "agent_p99_latency" {
  for_each = toset(var.alarm_agent_ids)

  alarm_name        = "${var.name}-agent-${each.key}-p99-latency"
  alarm_description = "The p99 latency of SendMessage calls to agent ${each.key} was above ${var.agent_p99_latency_threshold_ms} ms, in 3 minutes of 5."

  namespace   = "Switchboard"
  metric_name = "CallDuration"
  dimensions = {
    agent     = each.key
    operation = "SendMessage"
  }
  extended_statistic = "p99"
  period             = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = var.agent_p99_latency_threshold_ms
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  # A minute of two calls says little about a 99th percentile.
  evaluate_low_sample_count_percentiles = "ignore"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "authorizer_errors" {
  alarm_name        = "${var.name}-authorizer-errors"
  alarm_description = "The authorizer failed to decide (JWKS or permissions table unreachable, say): callers get 500s, not 401s or 403s."

  namespace   = "Switchboard"
  metric_name = "AuthorizerErrors"
  statistic   = "Sum"
  period      = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# Every function: errors (a handler that threw, timed out or ran out of memory)...
resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = local.monitored_functions

  alarm_name        = "${each.value}-errors"
  alarm_description = "Lambda function ${each.value} failed invocations (threw, timed out or ran out of memory) in 3 minutes of 5."

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions  = { FunctionName = each.value }
  statistic   = "Sum"
  period      = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# ...and throttles (the account's or the function's concurrency used up).
resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = local.monitored_functions

  alarm_name        = "${each.value}-throttles"
  alarm_description = "Lambda throttled invocations of ${each.value} (concurrency used up) in 3 minutes of 5."

  namespace   = "AWS/Lambda"
  metric_name = "Throttles"
  dimensions  = { FunctionName = each.value }
  statistic   = "Sum"
  period      = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# Every table: throttled reads or writes (on-demand tables throttle on a hot
# partition or the account's table limits).
resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each = local.monitored_tables

  alarm_name        = "${each.value}-throttles"
  alarm_description = "DynamoDB throttled reads or writes on table ${each.value} in 3 minutes of 5."

  metric_query {
    id          = "throttled"
    expression  = "reads + writes"
    label       = "Throttled reads and writes"
    return_data = true
  }

  metric_query {
    id = "reads"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = each.value }
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  metric_query {
    id = "writes"

    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = each.value }
      stat        = "Sum"
      period      = local.alarm_period
    }
  }

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}
