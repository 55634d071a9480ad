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
