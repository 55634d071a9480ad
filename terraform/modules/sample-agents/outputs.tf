output "agent_urls" {
  description = "Each sample agent's own base URL (its function URL); callers use the gateway's /agents/<id>/ instead."
  value       = local.agent_urls
}

output "function_arns" {
  description = "Each sample agent's function ARN: the resource the gateway roles' lambda:InvokeFunctionUrl is granted on."
  value       = { for key, function in aws_lambda_function.agent : key => function.arn }
}

output "function_names" {
  description = "Each sample agent's function name, for the gateway's dashboard and alarms."
  value       = { for key, function in aws_lambda_function.agent : key => function.function_name }
}
