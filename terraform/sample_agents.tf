# The weather and calculator sample agents, registered with the gateway and
# granted to the sample scopes, so the first call works right after apply.
module "sample_agents" {
  source = "./modules/sample-agents"
  count  = var.deploy_sample_agents ? 1 : 0

  name                = var.name
  log_retention_days  = var.log_retention_days
  gateway_url         = aws_api_gateway_stage.gateway.invoke_url
  token_url           = local.token_url
  admin_client_id     = aws_cognito_user_pool_client.admin.id
  admin_client_secret = aws_cognito_user_pool_client.admin.client_secret
  admin_scope         = "${local.scope_prefix}${var.admin_scope}"

  # What the admin API needs to answer a registration, passed as values so that
  # only the registration waits for it. (A module-level depends_on would defer
  # the module's data sources to apply time: every plan would show the agents
  # as "known after apply".) gateway_url already waits for the deployed stage.
  gateway_prerequisites = concat(
    [for permission in aws_lambda_permission.api : permission.id],
    [aws_lambda_permission.authorizer.id],
    [for policy in aws_iam_role_policy.access : policy.id],
    [for policy in aws_iam_role_policy.logs : policy.id],
    [aws_dynamodb_table.agents.arn, aws_dynamodb_table.permissions.arn, aws_dynamodb_table.rate_limits.arn, aws_dynamodb_table.idempotency.arn, aws_dynamodb_table.task_owners.arn],
    [aws_s3vectors_index.agents.index_arn, aws_api_gateway_method_settings.all.id],
  )
}
