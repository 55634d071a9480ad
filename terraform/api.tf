# The HTTP API of lib/routes.ts on API Gateway (REST, REGIONAL: the endpoint
# type whose streams may idle for 5 minutes). `npm run build` writes the route
# table and the resource tree it needs to generated/routes.json.

locals {
  # The gateway's base URL as the handlers derive it (https://{domain}/{stage}),
  # built from the API's id rather than the stage, which depends on the
  # deployment, which depends on what is rendered with it.
  gateway_url = "https://${aws_api_gateway_rest_api.gateway.id}.execute-api.${var.region}.${local.dns_suffix}/${var.stage_name}"

  api           = jsondecode(file("${path.module}/generated/routes.json"))
  api_routes    = local.api.routes
  api_resources = local.api.resources

  # Every resource's id by its path, whatever its depth.
  api_resource_ids = merge(
    { for path, resource in aws_api_gateway_resource.depth_1 : path => resource.id },
    { for path, resource in aws_api_gateway_resource.depth_2 : path => resource.id },
    { for path, resource in aws_api_gateway_resource.depth_3 : path => resource.id },
    { for path, resource in aws_api_gateway_resource.depth_4 : path => resource.id },
  )
}

# No binary_media_types: every buffered answer is text (the console's files too),
# so a base64 body would reach the client as base64. lib/http/binary-media.ts holds
# the same empty list, for the local emulator; the checks keep the two equal.
resource "aws_api_gateway_rest_api" "gateway" {
  name        = var.name
  description = "Switchboard A2A gateway"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

# A resource cannot name another instance of its own block as parent, so the
# tree is built one depth at a time; the deepest route has four segments
# (/admin/agents/{agentId}/sync), and the checks fail if a route goes deeper.
resource "aws_api_gateway_resource" "depth_1" {
  for_each = { for path, resource in local.api_resources : path => resource if resource.depth == 1 }

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  parent_id   = aws_api_gateway_rest_api.gateway.root_resource_id
  path_part   = each.value.pathPart
}

resource "aws_api_gateway_resource" "depth_2" {
  for_each = { for path, resource in local.api_resources : path => resource if resource.depth == 2 }

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  parent_id   = aws_api_gateway_resource.depth_1[each.value.parent].id
  path_part   = each.value.pathPart
}

resource "aws_api_gateway_resource" "depth_3" {
  for_each = { for path, resource in local.api_resources : path => resource if resource.depth == 3 }

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  parent_id   = aws_api_gateway_resource.depth_2[each.value.parent].id
  path_part   = each.value.pathPart
}

resource "aws_api_gateway_resource" "depth_4" {
  for_each = { for path, resource in local.api_resources : path => resource if resource.depth == 4 }

  rest_api_id = aws_api_gateway_rest_api.gateway.id
  parent_id   = aws_api_gateway_resource.depth_3[each.value.parent].id
  path_part   = each.value.pathPart
}

# Every route but the anonymous ones (the agent card, the card-signing JWKS), admin
# ones included, goes through the authorizer: its policy is what keeps a caller to
# its agents, and to /admin/* only with the admin scope.
resource "aws_api_gateway_authorizer" "gateway" {
  name                             = "${var.name}-jwt"
  rest_api_id                      = aws_api_gateway_rest_api.gateway.id
  type                             = "REQUEST"
  authorizer_uri                   = aws_lambda_function.handler["authorizer"].invoke_arn
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = var.authorizer_result_ttl
}

# A route marked `anonymous` (the agent card) has no authorizer: API Gateway
# would answer 401 before any code when the Authorization header is missing, and
# a public card is read without one. Its handler verifies any token itself.
resource "aws_api_gateway_method" "route" {
  for_each = local.api_routes

  rest_api_id   = aws_api_gateway_rest_api.gateway.id
  resource_id   = local.api_resource_ids[each.value.path]
  http_method   = each.value.method
  authorization = try(each.value.anonymous, false) ? "NONE" : "CUSTOM"
  authorizer_id = try(each.value.anonymous, false) ? null : aws_api_gateway_authorizer.gateway.id
}

# One integration per route, its mode chosen by the route: A2A calls stream
# (SSE) for up to 15 minutes, the rest answer in one piece within 29 s. Switching
# a route's mode updates this one resource in place; two resources (one per mode)
# would delete the integration the other had just written on the same method.
resource "aws_api_gateway_integration" "route" {
  for_each = local.api_routes

  rest_api_id             = aws_api_gateway_rest_api.gateway.id
  resource_id             = aws_api_gateway_method.route[each.key].resource_id
  http_method             = aws_api_gateway_method.route[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = each.value.streaming ? aws_lambda_function.handler[each.value.handler].response_streaming_invoke_arn : aws_lambda_function.handler[each.value.handler].invoke_arn
  response_transfer_mode  = each.value.streaming ? "STREAM" : "BUFFERED"
  # API Gateway's limits: 15 minutes for a streamed response, 29 s for a buffered one.
  timeout_milliseconds = each.value.streaming ? 900000 : 29000
}

resource "aws_api_gateway_deployment" "gateway" {
  rest_api_id = aws_api_gateway_rest_api.gateway.id

  # A deployment is a snapshot: take a new one whenever anything it serves
  # changes. Whole resources are hashed, not their ids, so a timeout, a transfer
  # mode or a method's authorization counts as a change too.
  triggers = {
    redeployment = sha1(jsonencode([
      local.api,
      aws_api_gateway_authorizer.gateway,
      aws_api_gateway_method.route,
      aws_api_gateway_integration.route,
      aws_api_gateway_method.mock,
      aws_api_gateway_integration.mock,
      aws_api_gateway_method_response.mock,
      aws_api_gateway_integration_response.mock,
      aws_api_gateway_gateway_response.problem,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration.route,
    aws_api_gateway_integration_response.mock,
    aws_api_gateway_gateway_response.problem,
  ]
}

resource "aws_api_gateway_stage" "gateway" {
  rest_api_id   = aws_api_gateway_rest_api.gateway.id
  deployment_id = aws_api_gateway_deployment.gateway.id
  stage_name    = var.stage_name

  # X-Ray traces each request from here through the authorizer and the handler.
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      path               = "$context.path"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integration.latency"
      integrationStatus  = "$context.integration.status"
      principal          = "$context.authorizer.principal"
      clientId           = "$context.authorizer.clientId"
      authorizerError    = "$context.authorizer.error"
      authorizeStatus    = "$context.authorize.status"
      errorMessage       = "$context.error.message"
      # Which gateway response answered a request no handler saw (UNAUTHORIZED, ACCESS_DENIED,
      # THROTTLED...): the only record of a refusal the authorizer or its cache made.
      errorType   = "$context.error.responseType"
      xrayTraceId = "$context.xrayTraceId"
    })
  }

  # Access logs need the account's CloudWatch role, set here or looked up. The API is served
  # once its token endpoint exists (the functions' TOKEN_URL is built from the prefix alone).
  depends_on = [aws_api_gateway_account.this, data.aws_iam_role.api_gateway_logs, aws_cloudwatch_log_group.api_execution, aws_cognito_user_pool_domain.gateway]
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.gateway.id
  stage_name  = aws_api_gateway_stage.gateway.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    metrics_enabled        = true
    # Errors only: INFO would log request details, tokens' claims included.
    logging_level      = "ERROR"
    data_trace_enabled = false
  }
}
