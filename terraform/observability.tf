# Logs with a retention: the functions' (Powertools JSON lines), the API's access
# log (one JSON line per request) and API Gateway's execution log.

resource "aws_cloudwatch_log_group" "handler" {
  for_each = local.handlers

  # The name Lambda writes to by default.
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name}-access"
  retention_in_days = var.log_retention_days
}

# Created by API Gateway on its own (without a retention) if it does not exist.
resource "aws_cloudwatch_log_group" "api_execution" {
  name              = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.gateway.id}/${var.stage_name}"
  retention_in_days = var.log_retention_days
}

# API Gateway writes logs through one role per account and Region; without it a
# stage with access logs cannot be created. Set here only on request
# (manage_api_gateway_account): it serves every API of the account and Region,
# and destroying it resets the setting (AWS provider 6).
resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_logs[0].arn

  # API Gateway refuses a role that cannot write logs yet.
  depends_on = [aws_iam_role_policy.api_gateway_logs]
}

# The role the account already uses: looked up so that plan fails when it is
# gone (a stack that managed it was destroyed, say) rather than the stage at apply.
data "aws_iam_role" "api_gateway_logs" {
  count = var.api_gateway_logging_role_arn != null ? 1 : 0

  name = regex("[^/]+$", var.api_gateway_logging_role_arn)
}
