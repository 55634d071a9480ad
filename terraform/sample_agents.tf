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

  # The stage's routes must be deployed before the agents are registered through them.
  depends_on = [aws_api_gateway_method_settings.all]
}
