output "gateway_url" {
  description = "The gateway's base URL; agents are at <gateway_url>/agents/<agentId>/."
  value       = aws_api_gateway_stage.gateway.invoke_url
}

output "token_url" {
  description = "Cognito's OAuth 2.0 token endpoint (client credentials)."
  value       = local.token_url
}

output "token_issuer" {
  description = "The iss of the gateway's tokens (TOKEN_ISSUER)."
  value       = local.gateway_environment.TOKEN_ISSUER
}

output "console_url" {
  description = "The operator console; people sign in with Cognito's managed login (see user_pool_id)."
  value       = "${aws_api_gateway_stage.gateway.invoke_url}/console"
}

output "user_pool_id" {
  description = "The Cognito user pool: operators are its users in the operators group."
  value       = aws_cognito_user_pool.gateway.id
}

output "admin_client_id" {
  description = "App client with the admin scope (/admin/*)."
  value       = aws_cognito_user_pool_client.admin.id
}

output "admin_client_secret" {
  description = "Secret of the admin app client: terraform output -raw admin_client_secret"
  value       = aws_cognito_user_pool_client.admin.client_secret
  sensitive   = true
}

output "sample_client_id" {
  description = "App client with the sample scopes (var.sample_client_scopes)."
  value       = aws_cognito_user_pool_client.sample.id
}

output "sample_client_secret" {
  description = "Secret of the sample app client: terraform output -raw sample_client_secret"
  value       = aws_cognito_user_pool_client.sample.client_secret
  sensitive   = true
}

output "admin_scope" {
  description = "The scope to ask Cognito for with the admin client."
  value       = "${local.scope_prefix}${var.admin_scope}"
}

output "function_names" {
  description = "Lambda function of each handler (for logs: aws logs tail /aws/lambda/<name> --follow)."
  value       = { for key, function in aws_lambda_function.handler : key => function.function_name }
}

output "sample_agent_urls" {
  description = "The sample agents' own function URLs (empty without deploy_sample_agents); call them through the gateway."
  value       = var.deploy_sample_agents ? module.sample_agents[0].agent_urls : {}
}

output "first_call" {
  description = "Shell commands, run from terraform/, for a first call as the sample client (the sample agents are registered by the apply)."
  value       = <<-EOT
    GATEWAY_URL=$(terraform output -raw gateway_url)
    TOKEN_URL=$(terraform output -raw token_url)

    # A token for the sample client (client credentials; every scope it is allowed)
    TOKEN=$(curl -s -X POST "$TOKEN_URL" -u "$(terraform output -raw sample_client_id):$(terraform output -raw sample_client_secret)" \
      -d grant_type=client_credentials | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

    # The agents it may use, then a streamed call
    curl -s "$GATEWAY_URL/agents" -H "Authorization: Bearer $TOKEN"
    curl -sN "$GATEWAY_URL/agents/weather/message:stream" -H "Authorization: Bearer $TOKEN" \
      -H 'A2A-Version: 1.0' -H 'Content-Type: application/json' \
      -d '{"message":{"messageId":"m1","role":"ROLE_USER","parts":[{"text":"Weather in Tokyo?"}]}}'
  EOT
}

output "dashboard_url" {
  description = "The gateway's CloudWatch dashboard in the console."
  value       = "https://${local.console_domains[local.partition]}/cloudwatch/home?region=${var.region}#dashboards/dashboard/${aws_cloudwatch_dashboard.gateway.dashboard_name}"
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies, when it fires and when it clears; subscribe a pager, chat or mail to it."
  value       = aws_sns_topic.alarms.arn
}
