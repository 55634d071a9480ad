data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # amazonaws.com, or amazonaws.com.cn in China: service endpoints' domain.
  dns_suffix = data.aws_partition.current.dns_suffix

  # The gateway's Lambda handlers (dist/handlers/<name>/index.mjs). The agents
  # handler streams for up to API Gateway's 15 minutes; push-delivery reads the
  # push queue (push.tf), its attempts and their waits inside its timeout (lib/config.ts's
  # pushDeliveryFunctionTimeoutMs: change both); the others answer at once.
  handlers = {
    authorizer = { timeout = 10, description = "REQUEST authorizer: JWT to IAM policy" }
    agents     = { timeout = 900, description = "A2A proxy, both bindings, streaming" }
    discovery  = { timeout = 30, description = "GET /agents, POST /search and the card JWKS" }
    admin      = { timeout = 60, description = "Agents and permissions administration" }
    console    = { timeout = 10, description = "The operator console's page and files (/console)" }
    push-delivery = {
      timeout     = 300
      description = "Delivers agents' push notifications to clients' webhooks (SQS)"
    }
  }

  # The handlers that call agents: agents (calls, streams) and admin (card
  # fetches at registration). They sign requests to private agents with their
  # roles, and are the ones placed in the VPC when vpc_subnet_ids is set.
  agent_callers = ["agents", "admin"]
  vpc_enabled   = length(var.vpc_subnet_ids) > 0

  # Private agents the agent callers may invoke: named ARNs only (validated
  # variables and the sample agents' own functions), never a pattern of ours.
  private_agent_function_arns = concat(
    var.private_agent_function_arns,
    var.deploy_sample_agents ? values(module.sample_agents[0].function_arns) : [],
  )
  private_agent_runtime_arns = concat(
    var.private_agent_runtime_arns,
    var.agentcore_sample_runtime_arn == null ? [] : [var.agentcore_sample_runtime_arn],
  )
  # AWS authorizes an AgentCore invocation (and card fetch) on the runtime and
  # on the endpoint it goes to (DEFAULT, or ?qualifier=<endpoint>), whose ARN is
  # <runtime ARN>/runtime-endpoint/<name>: each named runtime, and its endpoints.
  private_agent_runtime_resources = concat(
    local.private_agent_runtime_arns,
    [for arn in local.private_agent_runtime_arns : "${arn}/runtime-endpoint/*"],
  )

  # lib/tables.ts names tables "<TABLE_PREFIX><name>".
  table_prefix = "${var.name}-"

  # lib/registry/register-agent.ts names every backend secret below this prefix
  # (switchboard/<name>/agents/<agentId>/..., backendSecretPrefixFor(STACK_NAME)), and
  # tags it with the agent tag = the agent id and the stack tag = name; an operator
  # marks a secret of their own for an agent with the agent tag. Each stack has its own
  # prefix, so no stack's role reaches another's secrets in the same account and Region.
  backend_secret_prefix    = "switchboard/${var.name}/agents/"
  backend_secret_agent_tag = "switchboard:agent-id"
  backend_secret_stack_tag = "switchboard:stack"
  # Where every stack named its secrets before (legacyBackendSecretPrefix): shared by the
  # stacks of an account and Region, so reached only with this stack's stack tag, which
  # the operator puts on the secrets an earlier release stored (README "Upgrading and
  # rolling back").
  legacy_backend_secret_prefix = "switchboard/agents/"

  # The one Bedrock model the embedder calls (lib/discovery/bedrock-embedder.ts).
  embedding_model_id = "amazon.titan-embed-text-v2:0"

  cognito_domain_prefix = coalesce(var.cognito_domain_prefix, "${var.name}-${local.account_id}")
  # Where Cognito serves a prefix domain, by partition: GovCloud has FIPS
  # endpoints only, China its own top-level domain. (Another partition has no
  # entry: plan stops at the index below.)
  cognito_domain_suffixes = {
    aws        = "auth.${var.region}.amazoncognito.com"
    aws-us-gov = "auth-fips.${var.region}.amazoncognito.com"
    aws-cn     = "auth.${var.region}.amazoncognito.com.cn"
  }
  # From the prefix, not the domain resource: the functions' environment holds the token URL,
  # and whatever they reference is created before the old copy is destroyed (the deployment's
  # create_before_destroy), which a domain cannot be: a pool has one prefix domain. Whatever
  # needs the domain to exist waits for it by name (the stage, the sample agents' registration).
  token_url    = "https://${local.cognito_domain_prefix}.${local.cognito_domain_suffixes[local.partition]}/oauth2/token"
  scope_prefix = "${aws_cognito_resource_server.gateway.identifier}/"

  # Every variable lib/config.ts reads that the stack must set (see
  # awsEnvironmentSource there); the same on every function, since each handler
  # loads the whole configuration. No secret value goes here: backend secrets
  # stay in Secrets Manager and are read by ARN.
  gateway_environment = {
    SWITCHBOARD_MODE              = "aws"
    TABLE_PREFIX                  = local.table_prefix
    TOKEN_ISSUER                  = "https://${aws_cognito_user_pool.gateway.endpoint}"
    TOKEN_URL                     = local.token_url
    SCOPE_PREFIX                  = local.scope_prefix
    ADMIN_SCOPE                   = var.admin_scope
    COGNITO_USER_POOL_ID          = aws_cognito_user_pool.gateway.id
    ALLOWED_CLIENT_IDS            = var.restrict_client_ids ? join(",", concat([aws_cognito_user_pool_client.admin.id, aws_cognito_user_pool_client.sample.id, aws_cognito_user_pool_client.console.id], var.extra_allowed_client_ids)) : "" # "": any client of the stack's own pool
    CONSOLE_CLIENT_ID             = aws_cognito_user_pool_client.console.id
    CALLER_TOKEN_VALIDITY_MINUTES = tostring(var.access_token_validity_minutes)                                                                                         # clients the admin API creates, as cognito.tf's own
    MANAGED_CLIENT_IDS            = join(",", [aws_cognito_user_pool_client.admin.id, aws_cognito_user_pool_client.sample.id, aws_cognito_user_pool_client.console.id]) # every app client of cognito.tf: the admin API does not change them
    BACKEND_TIMEOUT_MS            = tostring(var.backend_timeout_ms)
    CARD_FETCH_TIMEOUT_MS         = "5000"
    REGISTRY_CACHE_TTL_MS         = "750"
    RATE_LIMIT_PER_MINUTE         = tostring(var.rate_limit_per_minute)
    RATE_LIMIT_SHARDS             = tostring(var.rate_limit_shards)
    MAX_CONCURRENT_STREAMS        = tostring(var.max_concurrent_streams)
    # Lambda refuses request payloads above 6 MB itself.
    MAX_REQUEST_BYTES = "6291456"
    # Below API Gateway's 5-minute idle limit on a REGIONAL stream.
    STREAM_KEEPALIVE_MS    = "15000"
    STREAM_IDLE_TIMEOUT_MS = "270000"
    MAX_STREAM_EVENT_BYTES = "1048576"
    SECRETS_KMS_KEY_ID     = aws_kms_key.backend_secrets.arn
    STACK_NAME             = var.name
    CARD_SIGNING_KEY_ID    = aws_kms_key.card_signing.arn
    EMBEDDER               = "bedrock"
    EMBEDDING_DIMENSION    = tostring(var.embedding_dimension)
    VECTOR_INDEX           = "s3vectors"
    VECTOR_BUCKET          = aws_s3vectors_vector_bucket.agents.vector_bucket_name
    VECTOR_INDEX_NAME      = aws_s3vectors_index.agents.index_name
    ROUTE_MIN_SCORE        = tostring(var.route_min_score)
    ROUTE_MIN_MARGIN       = tostring(var.route_min_margin)
    # How long /route keeps the threshold POST /admin/route/calibrate stored.
    ROUTE_THRESHOLD_CACHE_MS   = "60000"
    CALIBRATION_MAX_EMBEDDINGS = tostring(var.calibration_max_embeddings)
    BACKEND_ALLOWED_CIDRS      = join(",", var.backend_allowed_cidrs)
    READY_TIMEOUT_MS           = "2000"
    # One attempt of an AWS request (lib/config.ts): four of DynamoDB's end within 20 s and a
    # bit, before API Gateway's 29 s for a unary call.
    AWS_REQUEST_TIMEOUT_MS = "5000"
    # Push delivery (push.tf): 5 attempts, 1 s, 2 s, 4 s and 8 s apart, each up to
    # push_webhook_timeout_ms: within the push-delivery function's timeout (variables.tf).
    PUSH_DELIVERY_QUEUE_URL = aws_sqs_queue.push_deliveries.url
    PUSH_DELIVERY_ATTEMPTS  = "5"
    PUSH_RETRY_BASE_MS      = "1000"
    PUSH_WEBHOOK_TIMEOUT_MS = tostring(var.push_webhook_timeout_ms)
    AUDIT_RETENTION_DAYS    = tostring(var.audit_retention_days)
    POWERTOOLS_LOG_LEVEL    = var.log_level
  }
}
