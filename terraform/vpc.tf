# Opt-in VPC endpoints (create_vpc_endpoints) for the agents and admin functions
# placed in the VPC (vpc_subnet_ids): what they call besides the agents, without
# a NAT gateway. Lambda delivers the functions' logs itself, outside the VPC.
# Agents on Lambda function URLs or on the internet are reached through NAT
# only: function URLs have no VPC endpoint.

locals {
  vpc_endpoints = local.vpc_enabled && var.create_vpc_endpoints
  # Each service the functions call, with its endpoint type: the tables
  # (gateway endpoint, on the subnets' route tables), backend secrets, Titan
  # embeddings, the vector index, STS for the SDK's credential chain where it
  # assumes a role, AgentCore runtimes (calls and card fetches) and the user
  # pool the admin API manages callers and scopes in.
  vpc_endpoint_services = {
    dynamodb          = "Gateway"
    secretsmanager    = "Interface"
    bedrock-runtime   = "Interface"
    s3vectors         = "Interface"
    sts               = "Interface"
    bedrock-agentcore = "Interface"
    kms               = "Interface"
    cognito-idp       = "Interface"
  }
  created_vpc_endpoints = local.vpc_endpoints ? local.vpc_endpoint_services : {}
}

# The Region's name for each service's endpoint; a service without an endpoint
# in this Region fails the plan here, not the apply.
data "aws_vpc_endpoint_service" "this" {
  for_each = local.created_vpc_endpoints

  service      = each.key
  service_type = each.value
}

data "aws_subnet" "functions" {
  count = local.vpc_endpoints ? 1 : 0

  id = var.vpc_subnet_ids[0]
}

# The interface endpoints accept HTTPS from the functions' security groups only.
resource "aws_security_group" "vpc_endpoints" {
  count = local.vpc_endpoints ? 1 : 0

  name        = "${var.name}-vpc-endpoints"
  description = "HTTPS from the ${var.name} gateway functions to the VPC endpoints"
  vpc_id      = data.aws_subnet.functions[0].vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "vpc_endpoints" {
  for_each = local.vpc_endpoints ? toset(var.vpc_security_group_ids) : toset([])

  security_group_id            = aws_security_group.vpc_endpoints[0].id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  description                  = "HTTPS from the gateway functions"
}

resource "aws_vpc_endpoint" "service" {
  for_each = local.created_vpc_endpoints

  vpc_id            = data.aws_subnet.functions[0].vpc_id
  service_name      = data.aws_vpc_endpoint_service.this[each.key].service_name
  vpc_endpoint_type = each.value

  # Gateway endpoint: a route in each of the subnets' route tables.
  route_table_ids = each.value == "Gateway" ? var.vpc_route_table_ids : null

  # Interface endpoints: an address in each subnet, and the service's own DNS
  # name resolving to it inside the VPC, so the SDK needs no endpoint setting.
  subnet_ids          = each.value == "Interface" ? var.vpc_subnet_ids : null
  security_group_ids  = each.value == "Interface" ? [aws_security_group.vpc_endpoints[0].id] : null
  private_dns_enabled = each.value == "Interface" ? true : null

  tags = { Name = "${var.name}-${each.key}" }
}
