# Until issue 12 each integration lived at one of two addresses, by transfer
# mode (aws_api_gateway_integration.streaming or .buffered). These moves carry a
# stack applied before then to the one address per route without deleting the
# integrations (a delete of the old address would remove the one just written).

moved {
  from = aws_api_gateway_integration.buffered["GET /agents"]
  to   = aws_api_gateway_integration.route["GET /agents"]
}

moved {
  from = aws_api_gateway_integration.buffered["POST /search"]
  to   = aws_api_gateway_integration.route["POST /search"]
}

moved {
  from = aws_api_gateway_integration.streaming["POST /route"]
  to   = aws_api_gateway_integration.route["POST /route"]
}

moved {
  from = aws_api_gateway_integration.streaming["ANY /route/{proxy+}"]
  to   = aws_api_gateway_integration.route["ANY /route/{proxy+}"]
}

moved {
  from = aws_api_gateway_integration.streaming["POST /agents/{agentId}"]
  to   = aws_api_gateway_integration.route["POST /agents/{agentId}"]
}

moved {
  from = aws_api_gateway_integration.streaming["ANY /agents/{agentId}/{proxy+}"]
  to   = aws_api_gateway_integration.route["ANY /agents/{agentId}/{proxy+}"]
}

moved {
  from = aws_api_gateway_integration.buffered["POST /admin/register"]
  to   = aws_api_gateway_integration.route["POST /admin/register"]
}

moved {
  from = aws_api_gateway_integration.buffered["GET /admin/agents"]
  to   = aws_api_gateway_integration.route["GET /admin/agents"]
}

moved {
  from = aws_api_gateway_integration.buffered["POST /admin/agents"]
  to   = aws_api_gateway_integration.route["POST /admin/agents"]
}

moved {
  from = aws_api_gateway_integration.buffered["GET /admin/agents/{agentId}"]
  to   = aws_api_gateway_integration.route["GET /admin/agents/{agentId}"]
}

moved {
  from = aws_api_gateway_integration.buffered["PUT /admin/agents/{agentId}"]
  to   = aws_api_gateway_integration.route["PUT /admin/agents/{agentId}"]
}

moved {
  from = aws_api_gateway_integration.buffered["PATCH /admin/agents/{agentId}"]
  to   = aws_api_gateway_integration.route["PATCH /admin/agents/{agentId}"]
}

moved {
  from = aws_api_gateway_integration.buffered["DELETE /admin/agents/{agentId}"]
  to   = aws_api_gateway_integration.route["DELETE /admin/agents/{agentId}"]
}

moved {
  from = aws_api_gateway_integration.buffered["POST /admin/agents/{agentId}/sync"]
  to   = aws_api_gateway_integration.route["POST /admin/agents/{agentId}/sync"]
}

moved {
  from = aws_api_gateway_integration.buffered["GET /admin/permissions"]
  to   = aws_api_gateway_integration.route["GET /admin/permissions"]
}

moved {
  from = aws_api_gateway_integration.buffered["PUT /admin/permissions/{scope}"]
  to   = aws_api_gateway_integration.route["PUT /admin/permissions/{scope}"]
}

moved {
  from = aws_api_gateway_integration.buffered["DELETE /admin/permissions/{scope}"]
  to   = aws_api_gateway_integration.route["DELETE /admin/permissions/{scope}"]
}
