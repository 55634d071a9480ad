# The weather and calculator sample agents, behind private function URLs only
# the gateway's roles may call, registered with the gateway as aws_iam agents
# and granted to the sample scopes, so the first call works right after apply;
# and, when agentcore_sample_runtime_arn is set, an AgentCore runtime.
module "sample_agents" {
  source = "./modules/sample-agents"
  count  = var.deploy_sample_agents ? 1 : 0

  name                = var.name
  region              = var.region
  log_retention_days  = var.log_retention_days
  gateway_url         = aws_api_gateway_stage.gateway.invoke_url
  token_url           = local.token_url
  admin_client_id     = aws_cognito_user_pool_client.admin.id
  admin_client_secret = aws_cognito_user_pool_client.admin.client_secret
  admin_scope         = "${local.scope_prefix}${var.admin_scope}"

  # Only the gateway's agent callers may call the agents' private function URLs.
  gateway_role_arns     = { for handler in local.agent_callers : handler => aws_iam_role.handler[handler].arn }
  agentcore_runtime_arn = var.agentcore_sample_runtime_arn

  # What the admin API needs to answer a registration, passed as values so that
  # only the registration waits for it. (A module-level depends_on would defer
  # the module's data sources to apply time: every plan would show the agents
  # as "known after apply".) gateway_url already waits for the deployed stage.
  gateway_prerequisites = concat(
    [for permission in aws_lambda_permission.api : permission.id],
    [aws_lambda_permission.authorizer.id],
    [for policy in aws_iam_role_policy.access : policy.id],
    [for policy in aws_iam_role_policy.logs : policy.id],
    [aws_dynamodb_table.agents.arn, aws_dynamodb_table.permissions.arn, aws_dynamodb_table.rate_limits.arn, aws_dynamodb_table.idempotency.arn, aws_dynamodb_table.task_owners.arn, aws_dynamodb_table.push_configs.arn, aws_dynamodb_table.push_dead_letters.arn, aws_dynamodb_table.settings.arn, aws_dynamodb_table.audit.arn, aws_dynamodb_table.token_revocations.arn],
    [aws_s3vectors_index.agents.index_arn, aws_api_gateway_method_settings.all.id],
    # register.mjs asks token_url for a token: built from the prefix, it does not wait for the domain.
    [aws_cognito_user_pool_domain.gateway.id],
    # In a VPC without NAT, the admin function reaches its services through these, which
    # accept it only by the ingress rule: a destroy deleting the rule first would refuse the
    # deregistration's DeleteVectors (the rule has no dependent of its own to hold it).
    [for endpoint in aws_vpc_endpoint.service : endpoint.id],
    [for rule in aws_vpc_security_group_ingress_rule.vpc_endpoints : rule.id],
    [for policy in aws_iam_role_policy.vpc_access : policy.id],
  )
}
