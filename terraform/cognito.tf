# The gateway's identity provider: OAuth 2.0 client credentials, access tokens
# whose scopes are "<resource server>/<scope>".

resource "aws_cognito_user_pool" "gateway" {
  name = var.name

  # Machine clients only; nobody signs up.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  deletion_protection = "INACTIVE"
}

resource "aws_cognito_user_pool_domain" "gateway" {
  # The token endpoint lives on this domain: https://<domain>.auth.<region>.amazoncognito.com
  domain       = local.cognito_domain_prefix
  user_pool_id = aws_cognito_user_pool.gateway.id
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
