# Registers the agents with the gateway through its admin API (as an operator
# would: POST /admin/register, PUT when already registered) and puts the
# sample permissions, once the gateway and the agents exist. Runs
# register.mjs with the Node.js that `npm run build` needed anyway.

locals {
  # What register.mjs registers: each Lambda agent by its private function URL,
  # and the AgentCore runtime by its ARN; both as aws_iam agents (the gateway
  # signs every request with its role).
  registered_agents = merge(
    { for key, url in local.agent_urls : key => { functionUrl = url, region = var.region } },
    var.agentcore_runtime_arn == null ? {} : { (var.agentcore_agent_id) = { runtimeArn = var.agentcore_runtime_arn } },
  )
}

resource "terraform_data" "register" {
  triggers_replace = {
    agents      = local.registered_agents
    gateway     = var.gateway_url
    permissions = var.permissions
  }

  # Orders the registration after what the gateway needs to answer it. Held as
  # input, not a trigger: only its existence matters, not its value.
  input = var.gateway_prerequisites

  provisioner "local-exec" {
    command = "node ${path.module}/register.mjs"

    environment = {
      GATEWAY_URL   = var.gateway_url
      TOKEN_URL     = var.token_url
      CLIENT_ID     = var.admin_client_id
      CLIENT_SECRET = var.admin_client_secret
      SCOPE         = var.admin_scope
      AGENTS        = jsonencode(local.registered_agents)
      PERMISSIONS   = jsonencode(var.permissions)
    }
  }

  # The agents' function URLs must answer the admin role's signed card fetch.
  # (Its own policy naming them is among gateway_prerequisites; a fresh grant
  # may take seconds to apply, which the card-unreachable retries wait out.)
  depends_on = [aws_lambda_permission.url, aws_lambda_permission.url_invoke]
}
