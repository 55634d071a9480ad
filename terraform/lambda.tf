# One function per handler, from the folder `npm run build` writes for it,
# dist/handlers/<name>/: index.mjs and the chunks it imports on first use
# (self-contained: nothing else goes in the zip).

data "archive_file" "handler" {
  for_each = local.handlers

  type        = "zip"
  source_dir  = "${path.module}/../dist/handlers/${each.key}"
  output_path = "${path.module}/.build/${each.key}.zip"
}

resource "aws_lambda_function" "handler" {
  for_each = local.handlers

  function_name = "${var.name}-${each.key}"
  description   = each.value.description
  role          = aws_iam_role.handler[each.key].arn

  runtime       = "nodejs24.x"
  architectures = ["arm64"]
  # index.mjs at the zip's root, exporting `handler`.
  handler          = "index.handler"
  filename         = data.archive_file.handler[each.key].output_path
  source_code_hash = data.archive_file.handler[each.key].output_base64sha256

  memory_size = var.lambda_memory_mb
  timeout     = each.value.timeout

  # X-Ray: Lambda samples and sends the invocation's segment; Powertools Tracer
  # (lib/observability/tracing.ts) adds the handler's subsegments.
  tracing_config {
    mode = "Active"
  }

  environment {
    variables = local.gateway_environment
  }

  # The agent callers in the VPC when asked, to reach agents on private
  # addresses (allow those with backend_allowed_cidrs).
  dynamic "vpc_config" {
    for_each = local.vpc_enabled && contains(local.agent_callers, each.key) ? [each.key] : []

    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  # The log group (with its retention) exists before the function writes to it;
  # in a VPC, Lambda checks at creation that the role may create its network
  # interfaces (and needs that to delete them once the function leaves the VPC).
  depends_on = [aws_cloudwatch_log_group.handler, aws_iam_role_policy.vpc_access]

  lifecycle {
    # Lambda refuses an environment over 4 KB, measured as the Variables map serialized as JSON
    # (its error quotes "String measured: {...}"), and then every function fails at apply. Most of
    # locals.tf's environment is fixed (README "Deploy to AWS" gives its size); only
    # extra_allowed_client_ids and backend_allowed_cidrs grow without a cap. jsonencode writes
    # <, > and & as \u003c and so on, longer than Lambda's JSON, so this may refuse a few bytes
    # early, never late; every value is ASCII (variables.tf), so characters are bytes. Checked
    # at plan once the values are known (every apply after the first, when client ids are
    # added), at apply before Lambda is asked otherwise.
    precondition {
      condition     = length(jsonencode(local.gateway_environment)) <= 4096
      error_message = "The functions' environment (locals.tf gateway_environment) is ${length(jsonencode(local.gateway_environment))} bytes as JSON, over the 4096 Lambda accepts: shorten extra_allowed_client_ids (read only with restrict_client_ids) or backend_allowed_cidrs (one wider block for several narrow ones)."
    }
  }
}

# API Gateway may invoke the route handlers for this API only, and the authorizer
# only as this API's authorizer.
resource "aws_lambda_permission" "api" {
  for_each = toset(distinct([for route in local.api_routes : route.handler]))

  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.handler[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.gateway.execution_arn}/*/*"
}

resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowApiGatewayAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.handler["authorizer"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.gateway.execution_arn}/authorizers/${aws_api_gateway_authorizer.gateway.id}"
}
