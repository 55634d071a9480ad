# Registers the agents with the gateway through its admin API (as an operator
# would: POST /admin/register, PUT when already registered) and puts the
# sample permissions, once the gateway and the agents exist. Runs
# register.mjs with the Node.js that `npm run build` needed anyway.

resource "terraform_data" "register" {
  triggers_replace = {
    agents      = local.agent_urls
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
      AGENTS        = jsonencode(local.agent_urls)
      PERMISSIONS   = jsonencode(var.permissions)
    }
  }

  # The agents' own function URLs must answer the card fetch without credentials.
  depends_on = [aws_lambda_permission.url, aws_lambda_permission.url_invoke]
}
