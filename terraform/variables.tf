variable "region" {
  description = "AWS Region of the whole stack. It needs Bedrock (Titan Text Embeddings V2) and S3 Vectors. Changing it on a deployed stack replaces every resource (README \"Changing a deployed stack\"): move Regions as a second stack."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region code such as us-east-1."
  }
}

variable "name" {
  description = "Prefix of every resource name; the DynamoDB tables are named \"<name>-agents\" and so on. Changing it on a deployed stack replaces the tables, the vector index, the queues and the log groups, and what they hold is lost (README \"Changing a deployed stack\"): deploy a second stack instead."
  type        = string
  default     = "switchboard"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,22}$", var.name))
    error_message = "name must be 3 to 23 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    condition     = var.name != "agents"
    error_message = "name may not be \"agents\": backend secrets are named switchboard/<name>/agents/..., and switchboard/agents/agents/ is where every stack's secrets of an agent \"agents\" were named before."
  }

  validation {
    condition     = var.cognito_domain_prefix != null || !can(regex("aws|amazon|cognito", var.name))
    error_message = "name may not contain \"aws\", \"amazon\" or \"cognito\" while cognito_domain_prefix is null: the Cognito domain prefix is then \"<name>-<account id>\", and Cognito reserves those words. Choose another name or set cognito_domain_prefix."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the DynamoDB tables (registrations, permissions, audit trail, token revocations...) and the Cognito user pool (every caller's client id and secret): `terraform destroy`, or a change that replaces them (name, region), then fails at apply when it reaches them, and they stay. Set false and apply before destroying the stack on purpose."
  type        = bool
  default     = true
}

variable "stage_name" {
  description = "API Gateway stage; the gateway URL ends in /<stage_name>. Changing it on a deployed stack replaces the stage: every caller's URL changes and open streams are cut (README \"Changing a deployed stack\")."
  type        = string
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.stage_name))
    error_message = "stage_name must be 1 to 64 letters, digits, hyphens or underscores."
  }
}

variable "authorizer_result_ttl" {
  description = "Seconds API Gateway caches the authorizer's policy per token; a permission change reaches a token already in use within this time."
  type        = number
  default     = 300

  validation {
    condition     = var.authorizer_result_ttl >= 0 && var.authorizer_result_ttl <= 3600
    error_message = "authorizer_result_ttl must be between 0 and 3600 seconds."
  }
}

variable "throttling_rate_limit" {
  description = "Steady request rate (requests per second) API Gateway allows each method of the stage, on its own, before answering 429."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Burst of requests API Gateway allows each method of the stage above the steady rate."
  type        = number
  default     = 200

  validation {
    condition     = var.throttling_burst_limit > 0 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a positive whole number."
  }
}

variable "log_retention_days" {
  description = "How long the functions' logs and the API access logs are kept."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "log_level" {
  description = "Powertools log level of the handlers."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "SILENT"], var.log_level)
    error_message = "log_level must be one of DEBUG, INFO, WARN, ERROR, SILENT."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each gateway function (CPU grows with it)."
  type        = number
  default     = 1024

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "embedding_dimension" {
  description = "Size of the Titan Text Embeddings V2 vectors, and so of the S3 Vectors index. Changing it replaces the index, empty: /search and /route find no agent until you run `npm run reindex` with the stack's environment (README \"Changing a deployed stack\")."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024], var.embedding_dimension)
    error_message = "embedding_dimension must be 256, 512 or 1024 (Titan Text Embeddings V2's sizes)."
  }
}

variable "route_min_score" {
  description = "Cosine score the best agent needs for /route to send it the message. Titan scores on its own scale and cannot be calibrated offline: 0.2 is a starting point, to tune on the deployed stack."
  type        = number
  default     = 0.2

  validation {
    condition     = var.route_min_score >= -1 && var.route_min_score <= 1
    error_message = "route_min_score must be between -1 and 1."
  }
}

variable "route_min_margin" {
  description = "How far the best agent's score must lead the second best's for /route to send it the message (0: no margin rule). Until POST /admin/route/calibrate stores a calibrated threshold, this and route_min_score apply; calibration keeps this margin and chooses the score."
  type        = number
  default     = 0.05

  validation {
    condition     = var.route_min_margin >= 0 && var.route_min_margin <= 2
    error_message = "route_min_margin must be between 0 and 2."
  }
}

variable "calibration_max_embeddings" {
  description = "Most Bedrock embedding calls one POST /admin/route/calibrate may make (two per skill example used; the agents' cards and routing examples are read from the vector index, one call each only for a vector it lacks); a larger catalog is calibrated from fewer of its examples."
  type        = number
  default     = 500

  validation {
    # lib/config.ts reads whole numbers up to 2^53 - 1 exactly, and refuses more.
    condition     = var.calibration_max_embeddings > 0 && var.calibration_max_embeddings <= 9007199254740991 && floor(var.calibration_max_embeddings) == var.calibration_max_embeddings
    error_message = "calibration_max_embeddings must be a positive whole number (at most 9007199254740991)."
  }
}

variable "rate_limit_per_minute" {
  description = "Calls per minute per caller and agent where no permission sets a limit."
  type        = number
  default     = 60

  validation {
    # lib/config.ts reads whole numbers up to 2^53 - 1 exactly, and refuses more.
    condition     = var.rate_limit_per_minute > 0 && var.rate_limit_per_minute <= 9007199254740991 && floor(var.rate_limit_per_minute) == var.rate_limit_per_minute
    error_message = "rate_limit_per_minute must be a positive whole number (at most 9007199254740991)."
  }
}

variable "rate_limit_shards" {
  description = "Counter items per caller, agent and window. Above 1 only for a caller and agent pair hotter than about 1,000 calls/s (one DynamoDB item's write rate); exactly the limit still passes."
  type        = number
  default     = 1

  validation {
    condition     = var.rate_limit_shards >= 1 && var.rate_limit_shards <= 64 && floor(var.rate_limit_shards) == var.rate_limit_shards
    error_message = "rate_limit_shards must be a whole number from 1 to 64."
  }
}

variable "audit_retention_days" {
  description = "Days each admin change's audit entry is kept before DynamoDB's TTL deletes it."
  type        = number
  default     = 400

  validation {
    # lib/config.ts's maxAuditRetentionDays: 100 years.
    condition     = var.audit_retention_days >= 1 && var.audit_retention_days <= 36500 && floor(var.audit_retention_days) == var.audit_retention_days
    error_message = "audit_retention_days must be a whole number of days from 1 to 36500 (100 years)."
  }
}

variable "max_concurrent_streams" {
  description = "Open streams per caller and agent."
  type        = number
  default     = 10

  validation {
    # lib/config.ts reads whole numbers up to 2^53 - 1 exactly, and refuses more.
    condition     = var.max_concurrent_streams > 0 && var.max_concurrent_streams <= 9007199254740991 && floor(var.max_concurrent_streams) == var.max_concurrent_streams
    error_message = "max_concurrent_streams must be a positive whole number (at most 9007199254740991)."
  }
}

variable "backend_timeout_ms" {
  description = "Limit on a unary call to an agent (streams are not cut). API Gateway cuts buffered calls at 29 s anyway."
  type        = number
  default     = 30000

  validation {
    condition     = var.backend_timeout_ms >= 1 && var.backend_timeout_ms <= 900000 && floor(var.backend_timeout_ms) == var.backend_timeout_ms
    error_message = "backend_timeout_ms must be a whole number of milliseconds from 1 to 900000."
  }
}

variable "push_webhook_timeout_ms" {
  description = "Limit on one attempt to deliver a push to a client's webhook (PUSH_WEBHOOK_TIMEOUT_MS). Five attempts of it and the waits between them (1+2+4+8 s) must end 20 s before the push-delivery function's 300 s: at most 53000."
  type        = number
  default     = 10000

  validation {
    # lib/config.ts refuses more (the handlers would not start), since a longer schedule could
    # outlast the function and have SQS deliver its whole batch again; the attempts (5) and the
    # first wait (1 s) are locals.tf's, the 300 s the function's there.
    condition     = var.push_webhook_timeout_ms >= 1 && var.push_webhook_timeout_ms <= 53000 && floor(var.push_webhook_timeout_ms) == var.push_webhook_timeout_ms
    error_message = "push_webhook_timeout_ms must be a whole number of milliseconds from 1 to 53000: five attempts of it and the 15 s of waits between them must end 20 s before the push-delivery function's 300 s."
  }
}

variable "push_delivery_max_concurrency" {
  description = "Push-delivery functions the queue may run at once (each delivers a batch of up to 10 pushes). Pushes beyond wait in the queue (SQS drops one kept a day; the push-delivery-backlog alarm says when the oldest has waited 2 hours), so a flood of pushes (or of slow webhooks) cannot take the account's Lambda concurrency from the functions that answer calls. From 2 to 1000 (SQS's maximum concurrency)."
  type        = number
  default     = 100

  validation {
    condition     = var.push_delivery_max_concurrency >= 2 && var.push_delivery_max_concurrency <= 1000 && floor(var.push_delivery_max_concurrency) == var.push_delivery_max_concurrency
    error_message = "push_delivery_max_concurrency must be a whole number from 2 to 1000 (the range of an SQS event source's maximum concurrency)."
  }
}

variable "backend_allowed_cidrs" {
  description = "CIDR blocks of otherwise refused (private, loopback, link-local) backend addresses to allow, e.g. [\"10.1.0.0/16\"]. With extra_allowed_client_ids, within Lambda's 4 KB of environment: about 120 IPv4 blocks at the defaults (README \"Deploy to AWS\"); the plan names both lists past it."
  type        = list(string)
  default     = []

  validation {
    # cidrhost takes an IPv4 octet with a leading zero (010.1.0.0/16), which the handlers' config
    # (lib/config.ts) and Node refuse: the apply would deploy functions that cannot start.
    condition = alltrue([for block in var.backend_allowed_cidrs :
      can(cidrhost(block, 0)) && (length(regexall(":", block)) > 0 || !can(regex("(^|[.])0[0-9]", block)))
    ])
    error_message = "backend_allowed_cidrs must hold CIDR blocks such as 10.1.0.0/16 (no IPv4 octet with a leading zero)."
  }
}

variable "resource_server_identifier" {
  description = "Cognito resource server identifier: token scopes read \"<identifier>/<scope>\", and the gateway strips \"<identifier>/\". Changing it on a deployed stack replaces the resource server: the admin API's scopes are gone and every token issued before is refused (README \"Changing a deployed stack\")."
  type        = string
  default     = "switchboard"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.resource_server_identifier))
    error_message = "resource_server_identifier must be 1 to 64 letters, digits, '.', '_' or '-' (no '/')."
  }
}

variable "admin_scope" {
  description = "Scope (after the resource server prefix) that opens /admin/*."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[A-Za-z0-9:._-]+$", var.admin_scope))
    error_message = "admin_scope may hold letters, digits and ':._-' only."
  }

  validation {
    condition     = !contains(concat(var.client_scopes, var.sample_client_scopes), var.admin_scope)
    error_message = "admin_scope must not also be in client_scopes or sample_client_scopes: the resource server would declare the scope twice, which Cognito refuses."
  }
}

variable "client_scopes" {
  description = "Scopes callers can hold besides the admin scope; each needs a permission (PUT /admin/permissions/{scope}) before it grants anything."
  type        = list(string)
  default     = ["weather:invoke", "calculator:invoke", "tasks:read"]

  validation {
    condition     = alltrue([for scope in var.client_scopes : can(regex("^[A-Za-z0-9:._-]+$", scope))])
    error_message = "client_scopes may hold letters, digits and ':._-' only: nothing that could act as an IAM wildcard."
  }
}

variable "sample_client_scopes" {
  description = "Scopes of the sample client the stack creates (each must also be in client_scopes)."
  type        = list(string)
  default     = ["weather:invoke", "calculator:invoke"]

  validation {
    condition     = alltrue([for scope in var.sample_client_scopes : can(regex("^[A-Za-z0-9:._-]+$", scope))])
    error_message = "sample_client_scopes may hold letters, digits and ':._-' only."
  }
}

variable "restrict_client_ids" {
  description = "Accept tokens only from the app clients this stack creates (admin, sample, console) and extra_allowed_client_ids (clients made through /admin/clients are then refused until listed). False: any client of the stack's own user pool."
  type        = bool
  default     = false
}

variable "extra_allowed_client_ids" {
  description = "With restrict_client_ids: Cognito app client IDs, besides the three this stack creates (admin, sample, console), whose tokens the gateway accepts. With backend_allowed_cidrs, within Lambda's 4 KB of environment: about 80 ids at the defaults (README \"Deploy to AWS\"); the plan names both lists past it."
  type        = list(string)
  default     = []

  validation {
    # They reach the functions joined by commas (ALLOWED_CLIENT_IDS): an id with a comma or a
    # space in it would be read as other ids, or one no token carries.
    condition     = alltrue([for id in var.extra_allowed_client_ids : can(regex("^[\\w+]{1,128}$", id))])
    error_message = "extra_allowed_client_ids must hold Cognito app client ids (letters, digits, '_' or '+', 1 to 128), one an entry."
  }
}

variable "cognito_domain_prefix" {
  description = "Prefix of the Cognito domain (<prefix>.auth.<region>.amazoncognito.com), unique in the Region. Null: \"<name>-<account id>\". Changing it (or name, while it is null) on a deployed stack replaces the domain: every caller's token URL changes, and the old prefix is free for anyone to claim (README \"Changing a deployed stack\")."
  type        = string
  default     = null

  validation {
    condition     = var.cognito_domain_prefix == null || can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.cognito_domain_prefix))
    error_message = "cognito_domain_prefix must be lowercase letters, digits and hyphens, not starting or ending with a hyphen, at most 63 characters."
  }

  validation {
    condition     = var.cognito_domain_prefix == null || !can(regex("aws|amazon|cognito", coalesce(var.cognito_domain_prefix, "-")))
    error_message = "cognito_domain_prefix may not contain \"aws\", \"amazon\" or \"cognito\": Cognito reserves them in domain prefixes."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of the access tokens Cognito issues to the app clients."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440 && floor(var.access_token_validity_minutes) == var.access_token_validity_minutes
    error_message = "access_token_validity_minutes must be a whole number from 5 to 1440."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the backend secrets' KMS key is deleted after `terraform destroy`."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

# API Gateway writes a stage's logs through one role per account and Region (no
# data source reads that setting, so the operator says which case holds).
variable "manage_api_gateway_account" {
  description = "Create a CloudWatch Logs role for API Gateway and set it as the account's, in this Region. Only for an account whose `aws apigateway get-account` shows no cloudwatchRoleArn: the setting serves every API of the account and Region, and `terraform destroy` resets it."
  type        = bool
  default     = false
}

variable "api_gateway_logging_role_arn" {
  description = "The role the account already uses for API Gateway logs in this Region (`aws apigateway get-account --query cloudwatchRoleArn`); the stack only checks that it exists. Exactly one of this and manage_api_gateway_account."
  type        = string
  default     = null

  validation {
    condition     = var.api_gateway_logging_role_arn == null || can(regex("^arn:[a-z-]+:iam::[0-9]{12}:role/.+$", coalesce(var.api_gateway_logging_role_arn, "-")))
    error_message = "api_gateway_logging_role_arn must be an IAM role ARN, arn:<partition>:iam::<account>:role/<name>."
  }

  validation {
    condition     = (var.api_gateway_logging_role_arn != null) != var.manage_api_gateway_account
    error_message = "The stage's logs need the account's API Gateway CloudWatch role in this Region. Run `aws apigateway get-account --query cloudwatchRoleArn`: if it prints a role ARN, set api_gateway_logging_role_arn to it; if it prints null, set manage_api_gateway_account = true. Not both."
  }
}

variable "deploy_sample_agents" {
  description = "Deploy the two sample agents (agents/) as Lambda functions with function URLs and register them with the gateway (needs node on the machine running terraform). Set false on a deployed stack, the apply deregisters them (DELETE /admin/agents/<id>, which also takes them out of every permission) before deleting their functions."
  type        = bool
  default     = true
}

# Private agents (README "Private agents"): the gateway signs its requests to
# them with its own role (auth type aws_iam), so its roles must be allowed to
# call each one. Named resources only: no "*", no pattern.
variable "private_agent_function_arns" {
  description = "Lambda functions behind AWS_IAM function URLs that you register as aws_iam agents (service lambda): the agents and admin roles get lambda:InvokeFunctionUrl (and lambda:InvokeFunction through the URL) on exactly these. A function URL on an alias needs the alias-qualified ARN. The sample agents are added by the stack."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.private_agent_function_arns : can(regex("^arn:aws(-[a-z-]+)?:lambda:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_-]{1,128})?$", arn))])
    error_message = "private_agent_function_arns must hold Lambda function ARNs, arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias>], with no wildcard."
  }
}

variable "private_agent_runtime_arns" {
  description = "Amazon Bedrock AgentCore runtimes (A2A protocol) that you register as aws_iam agents (service bedrock-agentcore): the agents and admin roles get bedrock-agentcore:InvokeAgentRuntime and bedrock-agentcore:GetAgentCard on exactly these and their endpoints. Give each runtime the request-header allow-list the README names (A2A-Version first: AgentCore drops every header it does not list)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.private_agent_runtime_arns : can(regex("^arn:aws(-[a-z-]+)?:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:runtime/[A-Za-z][A-Za-z0-9_]{0,99}-[A-Za-z0-9]{10}$", arn))])
    error_message = "private_agent_runtime_arns must hold AgentCore runtime ARNs, arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<runtime id>, with no wildcard."
  }
}

variable "agentcore_sample_runtime_arn" {
  description = "An existing AgentCore runtime serving an A2A agent, to register with the sample agents as \"agentcore\" (aws_iam, service bedrock-agentcore) and to grant the agents and admin roles InvokeAgentRuntime and GetAgentCard on. Null: none. Grant it to a scope yourself (PUT /admin/permissions/{scope}). Give the runtime the request-header allow-list the README names (A2A-Version first)."
  type        = string
  default     = null

  validation {
    condition     = var.agentcore_sample_runtime_arn == null || can(regex("^arn:aws(-[a-z-]+)?:bedrock-agentcore:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:runtime/[A-Za-z][A-Za-z0-9_]{0,99}-[A-Za-z0-9]{10}$", coalesce(var.agentcore_sample_runtime_arn, "-")))
    error_message = "agentcore_sample_runtime_arn must be an AgentCore runtime ARN, arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<runtime id>."
  }

  validation {
    condition     = var.agentcore_sample_runtime_arn == null || var.deploy_sample_agents
    error_message = "agentcore_sample_runtime_arn is registered with the sample agents: it needs deploy_sample_agents = true (or register the runtime yourself and list it in private_agent_runtime_arns)."
  }
}

# VPC placement of the agents and admin functions, so they reach agents on
# private addresses (an internal ALB or NLB in front of ECS services). The other
# functions stay outside the VPC.
variable "vpc_subnet_ids" {
  description = "Private subnets for the agents and admin functions (two or more, in different Availability Zones, for resilience). Empty: outside any VPC. From a VPC the functions reach AWS services only through VPC endpoints (create_vpc_endpoints) or a NAT gateway, and public agents and Lambda function URLs only through NAT."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_subnet_ids : can(regex("^subnet-([0-9a-f]{8}|[0-9a-f]{17})$", id))])
    error_message = "vpc_subnet_ids must hold subnet ids such as subnet-0123456789abcdef0."
  }

  validation {
    condition     = length(var.vpc_subnet_ids) <= 16 && length(distinct(var.vpc_subnet_ids)) == length(var.vpc_subnet_ids)
    error_message = "vpc_subnet_ids may hold at most 16 subnets (Lambda's limit), each once."
  }

  validation {
    condition     = (length(var.vpc_subnet_ids) == 0) == (length(var.vpc_security_group_ids) == 0)
    error_message = "vpc_subnet_ids and vpc_security_group_ids go together: set both to place the agents and admin functions in the VPC, or neither."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups of the agents and admin functions in the VPC: they must allow outbound HTTPS to the agents (and to the VPC endpoints or NAT). Set with vpc_subnet_ids."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_security_group_ids : can(regex("^sg-([0-9a-f]{8}|[0-9a-f]{17})$", id))])
    error_message = "vpc_security_group_ids must hold security group ids such as sg-0123456789abcdef0."
  }

  validation {
    condition     = length(var.vpc_security_group_ids) <= 5 && length(distinct(var.vpc_security_group_ids)) == length(var.vpc_security_group_ids)
    error_message = "vpc_security_group_ids may hold at most 5 security groups (Lambda's limit), each once."
  }
}

variable "create_vpc_endpoints" {
  description = "Create the VPC endpoints the functions in the VPC need instead of a NAT gateway: a DynamoDB gateway endpoint on vpc_route_table_ids, and interface endpoints (private DNS) for Secrets Manager, Bedrock runtime, S3 Vectors, STS and bedrock-agentcore in vpc_subnet_ids. Agents on Lambda function URLs or the internet still need NAT. Leave false when the VPC has these endpoints or NAT already."
  type        = bool
  default     = false

  validation {
    condition     = !var.create_vpc_endpoints || length(var.vpc_subnet_ids) > 0
    error_message = "create_vpc_endpoints needs vpc_subnet_ids and vpc_security_group_ids: the endpoints serve the functions placed in the VPC."
  }

  validation {
    condition     = !var.create_vpc_endpoints || length(var.vpc_route_table_ids) > 0
    error_message = "create_vpc_endpoints needs vpc_route_table_ids: the route tables of vpc_subnet_ids, which the DynamoDB gateway endpoint is added to."
  }
}

variable "vpc_route_table_ids" {
  description = "Route tables of vpc_subnet_ids (the main route table too, if a subnet uses it): the DynamoDB gateway endpoint adds its route to them. Used with create_vpc_endpoints only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.vpc_route_table_ids : can(regex("^rtb-([0-9a-f]{8}|[0-9a-f]{17})$", id))])
    error_message = "vpc_route_table_ids must hold route table ids such as rtb-0123456789abcdef0."
  }
}

# Dashboard and alarms (dashboard.tf, alarms.tf).
variable "alarm_email" {
  description = "An e-mail address subscribed to the alarms topic (SNS sends a confirmation mail first). Null: no subscription; subscribe what you like to the alarm_topic_arn output."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", coalesce(var.alarm_email, "-")))
    error_message = "alarm_email must be one e-mail address, such as oncall@example.com."
  }
}

variable "alarm_agent_ids" {
  description = "Agents (ids as registered) that get alarms of their own on their failure rate and SendMessage p99 latency. Every agent, listed or not, is covered by the gateway's failure rate and the per-agent failures alarm."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.alarm_agent_ids : can(regex("^[a-z0-9][a-z0-9-]{0,62}$", id))]) && length(distinct(var.alarm_agent_ids)) == length(var.alarm_agent_ids)
    error_message = "alarm_agent_ids must hold agent ids (lowercase letters, digits and hyphens, 1 to 63, starting with a letter or digit), each once."
  }
}

variable "api_5xx_rate_threshold_percent" {
  description = "Share of the API's answers that may be 5xx (in a minute) before the api-5xx-rate alarm counts the minute as breaching."
  type        = number
  default     = 1

  validation {
    condition     = var.api_5xx_rate_threshold_percent > 0 && var.api_5xx_rate_threshold_percent <= 100
    error_message = "api_5xx_rate_threshold_percent must be above 0 and at most 100."
  }
}

variable "agent_failure_rate_threshold_percent" {
  description = "Share of forwarded calls that may fail (in a minute), over the whole gateway and for each agent of alarm_agent_ids, before the failure-rate alarms count the minute as breaching."
  type        = number
  default     = 5

  validation {
    condition     = var.agent_failure_rate_threshold_percent > 0 && var.agent_failure_rate_threshold_percent <= 100
    error_message = "agent_failure_rate_threshold_percent must be above 0 and at most 100."
  }
}

variable "agent_failures_threshold" {
  description = "Failed calls one agent may have in a minute before the agent-failures alarm (every agent, registered whenever) counts the minute as breaching."
  type        = number
  default     = 5

  validation {
    condition     = var.agent_failures_threshold >= 0 && floor(var.agent_failures_threshold) == var.agent_failures_threshold
    error_message = "agent_failures_threshold must be a whole number, 0 or more."
  }
}

variable "agent_p99_latency_threshold_ms" {
  description = "p99 latency (ms) of SendMessage calls to an agent of alarm_agent_ids above which its latency alarm counts the minute as breaching."
  type        = number
  default     = 10000

  validation {
    condition     = var.agent_p99_latency_threshold_ms > 0 && var.agent_p99_latency_threshold_ms <= 900000
    error_message = "agent_p99_latency_threshold_ms must be above 0 and at most 900000 (15 minutes)."
  }
}
