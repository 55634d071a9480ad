# API Gateway's own answers (no token, no grant, no route, authorizer failure,
# throttling, anything else) as one problem+json shape, RFC 9457, with the
# request id. lib/gateway-responses.ts defines them; `npm run build` writes
# generated/gateway-responses.json, and the local emulator renders the same
# bodies. REQUEST_TOO_LARGE (413) is left out: API Gateway does not apply a
# customization of it.

locals {
  gateway_responses = jsondecode(file("${path.module}/generated/gateway-responses.json"))
}

resource "aws_api_gateway_gateway_response" "problem" {
  for_each = local.gateway_responses

  rest_api_id   = aws_api_gateway_rest_api.gateway.id
  response_type = each.key
  status_code   = each.value.statusCode
  # lib/routes.ts `deploymentPlaceholders`: the 401's challenge names the metadata URL.
  response_parameters = { for name, value in each.value.responseParameters : name => replace(value, "{gatewayUrl}", local.gateway_url) }
  response_templates  = each.value.responseTemplates
}
