# Routes API Gateway answers itself (lib/routes.ts `mockRoutes`, e.g. GET /health):
# no authorizer, no Lambda, a MOCK integration with a fixed JSON answer. Nothing
# behind them can fail or cost a Lambda invocation; the stage's throttling still
# applies.

locals {
  api_mock_routes = local.api.mockRoutes

  # lib/routes.ts `deploymentPlaceholders`, filled in as `renderMockBody` does:
  # the protected-resource metadata (RFC 9728) names this gateway, its token
  # issuer and the scopes the Cognito resource server issues.
  protected_resource_scopes = [for scope in concat([var.admin_scope], var.client_scopes) : "${local.scope_prefix}${scope}"]
  mock_route_bodies = {
    for key, route in local.api_mock_routes : key => replace(replace(replace(
      jsonencode(route.body),
      "{gatewayUrl}", local.gateway_url),
      "{issuer}", local.gateway_environment.TOKEN_ISSUER),
      "\"{scopes}\"", join(",", [for scope in local.protected_resource_scopes : jsonencode(scope)]),
    )
  }
}

resource "aws_api_gateway_method" "mock" {
  for_each = local.api_mock_routes

  rest_api_id   = aws_api_gateway_rest_api.gateway.id
  resource_id   = local.api_resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "mock" {
  for_each = local.api_mock_routes

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  resource_id = aws_api_gateway_method.mock[each.key].resource_id
  http_method = aws_api_gateway_method.mock[each.key].http_method
  type        = "MOCK"
  request_templates = {
    "application/json" = jsonencode({ statusCode = each.value.statusCode })
  }
}

resource "aws_api_gateway_method_response" "mock" {
  for_each = local.api_mock_routes

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  resource_id = aws_api_gateway_method.mock[each.key].resource_id
  http_method = aws_api_gateway_method.mock[each.key].http_method
  status_code = tostring(each.value.statusCode)
  response_models = {
    "application/json" = "Empty"
  }
}

resource "aws_api_gateway_integration_response" "mock" {
  for_each = local.api_mock_routes

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  resource_id = aws_api_gateway_method.mock[each.key].resource_id
  http_method = aws_api_gateway_method.mock[each.key].http_method
  status_code = aws_api_gateway_method_response.mock[each.key].status_code
  response_templates = {
    "application/json" = local.mock_route_bodies[each.key]
  }

  depends_on = [aws_api_gateway_integration.mock]
}
