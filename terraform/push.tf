# Push notifications through the gateway (lib/push/, docs/architecture.md).
# The callback (discovery function, POST /push/{configId}) checks an agent's
# push and sends it to this queue; the push-delivery function delivers it to the
# client's webhook with its own bounded retries and records a dead letter in
# DynamoDB when they run out. The DLQ holds only what the function itself could
# not handle (a database or KMS failure, or its own steps outlasting its time, which
# it hands back rather than time out) three receives in a row.

resource "aws_sqs_queue" "push_dead_letters" {
  name                      = "${var.name}-push-deliveries-dlq"
  message_retention_seconds = 1209600 # 14 days, SQS's longest
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "push_deliveries" {
  name = "${var.name}-push-deliveries"
  # Six times the push-delivery function's timeout (300 s, locals.tf), as AWS
  # advises for a Lambda event source: a message is not received again while a
  # delivery of it may still run.
  visibility_timeout_seconds = 1800
  message_retention_seconds  = 86400
  sqs_managed_sse_enabled    = true

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.push_dead_letters.arn
    maxReceiveCount     = 3
  })
}

resource "aws_lambda_event_source_mapping" "push_deliveries" {
  event_source_arn = aws_sqs_queue.push_deliveries.arn
  function_name    = aws_lambda_function.handler["push-delivery"].arn
  batch_size       = 10
  # The handler names the messages to receive again; the others are done.
  function_response_types = ["ReportBatchItemFailures"]

  # Pushes past this many functions wait in the queue: the functions that answer calls keep
  # the account's concurrency whatever agents push (held pushes wait up to minutes each).
  scaling_config {
    maximum_concurrency = var.push_delivery_max_concurrency
  }

  # The role may read the queue before Lambda starts polling it.
  depends_on = [aws_iam_role_policy.access]
}

# Pushes arrive faster than the delivery functions deliver them (at most
# push_delivery_max_concurrency at once, each batch as long as its slowest push: a webhook
# that never answers holds its batch one attempt, 10 s, its waits spent on the queue, so the
# default 100 functions deliver about 100 pushes a second once every batch holds one): the
# oldest push has waited longer than any delivered in time may (a push handed back on each of
# its three receives waits three visibility timeouts, 5,400 s), and the queue drops a push it
# has kept a day, without a dead letter. Two hours leaves most of that day to act (raise the
# concurrency, or find the dead webhook in the push-delivery log).
resource "aws_cloudwatch_metric_alarm" "push_delivery_backlog" {
  alarm_name        = "${var.name}-push-delivery-backlog"
  alarm_description = "The oldest push waiting in ${aws_sqs_queue.push_deliveries.name} has waited over 2 hours, in 3 minutes of 5: deliveries fall behind, and SQS drops a push after a day in the queue."

  namespace   = "AWS/SQS"
  metric_name = "ApproximateAgeOfOldestMessage"
  dimensions  = { QueueName = aws_sqs_queue.push_deliveries.name }
  statistic   = "Maximum"
  period      = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 7200
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# A push the gateway itself failed on three receives (its database or KMS failing, its own steps
# outlasting the function, or a retry's wait SQS would not take that did not fit the function's
# time) lands in the DLQ: the function hands it back (batchItemFailures), which is no Lambda error,
# so no other alarm hears of it, and it waits there, undelivered, until redriven (14 days at most).
resource "aws_cloudwatch_metric_alarm" "push_delivery_dead_letters" {
  alarm_name        = "${var.name}-push-delivery-dead-letters"
  alarm_description = "Pushes wait in ${aws_sqs_queue.push_dead_letters.name}: the gateway failed to deliver them three times (see 'push delivery failed in the gateway' in the push-delivery log); redrive them to ${aws_sqs_queue.push_deliveries.name} once mended."

  namespace   = "AWS/SQS"
  metric_name = "ApproximateNumberOfMessagesVisible"
  dimensions  = { QueueName = aws_sqs_queue.push_dead_letters.name }
  statistic   = "Maximum"
  period      = local.alarm_period

  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_evaluation_periods
  datapoints_to_alarm = local.alarm_datapoints_to_alarm
  treat_missing_data  = "notBreaching"

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}
