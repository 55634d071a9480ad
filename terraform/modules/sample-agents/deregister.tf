# Deregisters each agent when it leaves the stack: deploy_sample_agents turned off (the root's
# count on this module goes to 0), the AgentCore runtime unset, or the stack destroyed. DELETE
# /admin/agents/<id> stops the gateway serving it and takes it out of every permission (a sample
# permission left with no agent is removed), so nothing stays registered and granted pointing at
# a deleted function. (register.tf's registration cannot do it: it is replaced whenever a URL
# changes, which must register again, not delete.)
#
# A destroy-time provisioner runs only while its resource block is in the configuration (a
# module at count 0 keeps it; removing the module block would not), and may read nothing but its
# own resource: what it needs is kept in input, which an apply updates in place, so a new gateway
# URL is simply kept for later and never deregisters anything. All but the admin client's secret:
# a plan prints terraform_data's output (input mirrored) without the sensitive mark
# (hashicorp/terraform#35609), so a secret in input was shown in clear by every plan that changed
# or deleted it. It is kept in triggers_replace, which nothing mirrors, as it was when the
# resource was made (ignore_changes: a change would replace it, deregistering the agent). The
# secret changes only with the user pool, which only a region change replaces, with all else.
resource "terraform_data" "deregister" {
  for_each = toset(keys(local.registered_agents))

  input = {
    agent_id    = each.key
    gateway_url = var.gateway_url
    token_url   = var.token_url
    client_id   = var.admin_client_id
    scope       = var.admin_scope
  }

  triggers_replace = {
    client_secret = var.admin_client_secret
  }

  provisioner "local-exec" {
    when    = destroy
    command = "node ${path.module}/register.mjs"

    environment = {
      DEREGISTER    = self.input.agent_id
      GATEWAY_URL   = self.input.gateway_url
      TOKEN_URL     = self.input.token_url
      CLIENT_ID     = self.input.client_id
      CLIENT_SECRET = self.triggers_replace.client_secret
      SCOPE         = self.input.scope
    }
  }

  # Destroyed before the registration, and so before what the registration waits for (the
  # admin API's function, permissions, tables, the token endpoint) and the agents' functions:
  # a destroy deregisters while the gateway still answers, and before the agent is gone.
  depends_on = [terraform_data.register]

  lifecycle {
    ignore_changes = [triggers_replace]
  }
}
