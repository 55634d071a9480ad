# The two sample agents (agents/), each a Lambda function behind a private
# (AWS_IAM) function URL in RESPONSE_STREAM mode: agents/function-url-adapter.ts runs the agent's own
# server on loopback inside the function and streams its answers back.

locals {
  agents = {
    weather    = "Sample A2A agent: typical weather from bundled climate normals"
    calculator = "Sample A2A agent: exact arithmetic, maths and unit conversions"
  }
}

data "archive_file" "agent" {
  for_each = local.agents

  type        = "zip"
  source_file = "${path.module}/../../../dist/agents/${each.key}.mjs"
  output_path = "${path.module}/../../.build/agent-${each.key}.zip"
}

resource "aws_cloudwatch_log_group" "agent" {
  for_each = local.agents

  name              = "/aws/lambda/${var.name}-agent-${each.key}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "agent" {
  for_each = local.agents

  name               = "${var.name}-agent-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

# The agents answer from bundled data: they need nothing but their own logs
# and their traces (below).
data "aws_iam_policy_document" "logs" {
  for_each = local.agents

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.agent[each.key].arn}:*"]
  }
}

resource "aws_iam_role_policy" "logs" {
  for_each = local.agents

  name   = "logs"
  role   = aws_iam_role.agent[each.key].id
  policy = data.aws_iam_policy_document.logs[each.key].json
}

# Active tracing (X-Ray): the two write actions Lambda's docs name for it
# (AWSXRayDaemonWriteAccess without its sampling-rule reads: Lambda samples
# itself). They name no resource: "*" only (test/terraform/iam.test.ts allows
# it for exactly this statement).
data "aws_iam_policy_document" "xray" {
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "xray" {
  for_each = local.agents

  name   = "xray"
  role   = aws_iam_role.agent[each.key].id
  policy = data.aws_iam_policy_document.xray.json
}

resource "aws_lambda_function" "agent" {
  for_each = local.agents

  function_name = "${var.name}-agent-${each.key}"
  description   = each.value
  role          = aws_iam_role.agent[each.key].arn

  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  handler          = "${each.key}.handler"
  filename         = data.archive_file.agent[each.key].output_path
  source_code_hash = data.archive_file.agent[each.key].output_base64sha256

  memory_size = 512
  # A stream through the gateway may last this long.
  timeout = 300

  # A call's trace goes on from the gateway's into the agent's function.
  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.agent]
}

# Private: the URL answers only requests SigV4-signed by a principal this
# function's resource policy names (below) or whose own policy grants it in this
# account. The gateway signs every call and card fetch with its role
# (auth type aws_iam); a direct, unsigned call is refused by Lambda with 403.
resource "aws_lambda_function_url" "agent" {
  for_each = local.agents

  function_name      = aws_lambda_function.agent[each.key].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "RESPONSE_STREAM"
}

locals {
  # Each agent, for each gateway role that calls it: the agents handler (calls,
  # streams) and the admin handler (card fetches at registration).
  agent_invokers = {
    for pair in setproduct(keys(local.agents), keys(var.gateway_role_arns)) :
    "${pair[0]}-${pair[1]}" => { agent = pair[0], role = pair[1] }
  }
}

resource "aws_lambda_permission" "url" {
  for_each = local.agent_invokers

  statement_id           = "AllowGatewayFunctionUrl-${each.value.role}"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.agent[each.value.agent].function_name
  principal              = var.gateway_role_arns[each.value.role]
  function_url_auth_type = "AWS_IAM"
}

# Since October 2025 a function URL also needs lambda:InvokeFunction, limited
# here to calls through the URL (the lambda:InvokedViaFunctionUrl condition).
resource "aws_lambda_permission" "url_invoke" {
  for_each = local.agent_invokers

  statement_id             = "AllowGatewayInvokeViaFunctionUrl-${each.value.role}"
  action                   = "lambda:InvokeFunction"
  function_name            = aws_lambda_function.agent[each.value.agent].function_name
  principal                = var.gateway_role_arns[each.value.role]
  invoked_via_function_url = true
}

locals {
  # The function URL ends in "/"; the gateway wants the agent's base URL.
  agent_urls = { for key, url in aws_lambda_function_url.agent : key => trimsuffix(url.function_url, "/") }
}
