# The gateway's identity provider: OAuth 2.0 client credentials, access tokens
# whose scopes are "<resource server>/<scope>".

resource "aws_cognito_user_pool" "gateway" {
  name = var.name

  # Machine clients, and operators an administrator creates; nobody signs up.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  # Every app client (each caller's id and secret), scope and operator lives in
  # the pool: deleting it is refused while var.deletion_protection holds.
  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"
}

resource "aws_cognito_user_pool_domain" "gateway" {
  # The token endpoint lives on this domain: https://<domain>.auth.<region>.amazoncognito.com
  domain       = local.cognito_domain_prefix
  user_pool_id = aws_cognito_user_pool.gateway.id
  # Managed login (not the classic hosted UI) for the console's sign-in pages.
  managed_login_version = 2
}

resource "aws_cognito_resource_server" "gateway" {
  identifier   = var.resource_server_identifier
  name         = "${var.name} gateway"
  user_pool_id = aws_cognito_user_pool.gateway.id

  scope {
    scope_name        = var.admin_scope
    scope_description = "Manage agents and permissions (/admin/*)"
  }

  dynamic "scope" {
    for_each = toset(concat(var.client_scopes, var.sample_client_scopes))
    content {
      scope_name        = scope.value
      scope_description = "Gateway scope ${scope.value}; what it grants is its permission item"
    }
  }

  # After the first apply the admin API owns the scopes (PUT/DELETE /admin/scopes):
  # Terraform creates them with the admin scope and never puts its list back over
  # the API's. The admin API never removes the admin scope.
  lifecycle {
    ignore_changes = [scope]
  }
}

resource "aws_cognito_user_pool_client" "admin" {
  name         = "${var.name}-admin"
  user_pool_id = aws_cognito_user_pool.gateway.id

  generate_secret                      = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_scopes                 = ["${local.scope_prefix}${var.admin_scope}"]
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  enable_token_revocation              = true

  access_token_validity = var.access_token_validity_minutes
  token_validity_units {
    access_token = "minutes"
  }
}

resource "aws_cognito_user_pool_client" "sample" {
  name         = "${var.name}-sample"
  user_pool_id = aws_cognito_user_pool.gateway.id

  generate_secret                      = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_scopes                 = [for scope in var.sample_client_scopes : "${local.scope_prefix}${scope}"]
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  enable_token_revocation              = true

  access_token_validity = var.access_token_validity_minutes
  token_validity_units {
    access_token = "minutes"
  }
}

# The operator console (/console): people sign in with Cognito managed login,
# authorization code with PKCE (a public client: no secret in a browser). The
# console asks for no gateway scope; what a person may do comes from their
# groups, read by the token verifier from the access token's `cognito:groups`
# (lib/auth/token-verifier.ts): `operators` is the admin scope, any other group
# is the gateway scope of the same name (a group `calculator:invoke`).
resource "aws_cognito_user_pool_client" "console" {
  name         = "${var.name}-console"
  user_pool_id = aws_cognito_user_pool.gateway.id

  generate_secret                      = false
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_scopes                 = ["openid"]
  callback_urls                        = ["${local.gateway_url}/console/callback"]
  logout_urls                          = ["${local.gateway_url}/console"]
  supported_identity_providers         = ["COGNITO"]
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
  enable_token_revocation              = true
  prevent_user_existence_errors        = "ENABLED"

  access_token_validity = var.access_token_validity_minutes
  id_token_validity     = var.access_token_validity_minutes
  token_validity_units {
    access_token = "minutes"
    id_token     = "minutes"
  }
}

# Operators: people holding the admin scope in the console. Add a person with
#   aws cognito-idp admin-create-user --user-pool-id <pool> --username <name>
#   aws cognito-idp admin-add-user-to-group --user-pool-id <pool> --username <name> --group-name operators
resource "aws_cognito_user_group" "operators" {
  name         = "operators"
  user_pool_id = aws_cognito_user_pool.gateway.id
  description  = "Operators of the Switchboard console: the gateway's admin scope"
}

# The managed login pages the console's sign-in goes to (Cognito's default style).
resource "aws_cognito_managed_login_branding" "console" {
  client_id                   = aws_cognito_user_pool_client.console.id
  user_pool_id                = aws_cognito_user_pool.gateway.id
  use_cognito_provided_values = true
}
