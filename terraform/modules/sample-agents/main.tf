# The two sample agents (agents/), each a Lambda function behind a function URL
# in RESPONSE_STREAM mode: agents/function-url-adapter.ts runs the agent's own
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

# The agents answer from bundled data: they need nothing but their own logs.
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

  depends_on = [aws_cloudwatch_log_group.agent]
}

# Public, like any agent on the internet: the gateway calls it without
# credentials (the agents hold no data and no secret). Anyone who learns the URL
# can call it directly and costs follow the calls.
resource "aws_lambda_function_url" "agent" {
  for_each = local.agents

  function_name      = aws_lambda_function.agent[each.key].function_name
  authorization_type = "NONE"
  invoke_mode        = "RESPONSE_STREAM"
}

resource "aws_lambda_permission" "url" {
  for_each = local.agents

  statement_id           = "AllowPublicFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.agent[each.key].function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

# Since October 2025 a public function URL also needs InvokeFunction, limited to calls through the URL.
resource "aws_lambda_permission" "url_invoke" {
  for_each = local.agents

  statement_id             = "AllowInvokeThroughFunctionUrl"
  action                   = "lambda:InvokeFunction"
  function_name            = aws_lambda_function.agent[each.key].function_name
  principal                = "*"
  invoked_via_function_url = true
}

locals {
  # The function URL ends in "/"; the gateway wants the agent's base URL.
  agent_urls = { for key, url in aws_lambda_function_url.agent : key => trimsuffix(url.function_url, "/") }
}
