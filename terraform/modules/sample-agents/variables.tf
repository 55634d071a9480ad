variable "name" {
  description = "Prefix of the resource names (the root module's name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,22}$", var.name))
    error_message = "name must be 3 to 23 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "log_retention_days" {
  description = "How long the agents' logs are kept."
  type        = number
  default     = 30
}

variable "region" {
  description = "Region of the agents' functions: the region the gateway signs their function URL requests for."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS Region code such as us-east-1."
  }
}

variable "gateway_role_arns" {
  description = "The gateway roles allowed to call the agents' private function URLs, by handler: agents (calls and streams) and admin (card fetches at registration). Nobody else may."
  type        = map(string)

  validation {
    condition     = length(var.gateway_role_arns) > 0 && alltrue([for arn in values(var.gateway_role_arns) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn))])
    error_message = "gateway_role_arns must map handler names to IAM role ARNs (arn:<partition>:iam::<account>:role/<name>)."
  }

  validation {
    condition     = alltrue([for name in keys(var.gateway_role_arns) : can(regex("^[a-z]+$", name))])
    error_message = "gateway_role_arns keys must be lowercase handler names (they go into the functions' policy statement ids)."
  }
}

variable "agentcore_runtime_arn" {
  description = "An existing Amazon Bedrock AgentCore Runtime (A2A protocol) to register as agentcore_agent_id, signed for bedrock-agentcore. Null: none."
  type        = string
  default     = null

  validation {
    condition     = var.agentcore_runtime_arn == null || can(regex("^arn:aws(-[a-z-]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z][A-Za-z0-9_]{0,99}-[A-Za-z0-9]{10}$", coalesce(var.agentcore_runtime_arn, "-")))
    error_message = "agentcore_runtime_arn must be an AgentCore runtime ARN, arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<runtime id>."
  }
}

variable "agentcore_agent_id" {
  description = "The agent id the AgentCore runtime is registered under."
  type        = string
  default     = "agentcore"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.agentcore_agent_id))
    error_message = "agentcore_agent_id must be 1 to 63 lowercase letters, digits or hyphens, starting with a letter or digit."
  }

  validation {
    condition     = !contains(["weather", "calculator"], var.agentcore_agent_id)
    error_message = "agentcore_agent_id must differ from the Lambda sample agents' ids (weather, calculator)."
  }
}

variable "gateway_url" {
  description = "The gateway's base URL (the root module's stage invoke URL), where the agents are registered."
  type        = string

  validation {
    condition     = can(regex("^https://", var.gateway_url))
    error_message = "gateway_url must be an https URL."
  }
}

variable "token_url" {
  description = "Cognito's token endpoint."
  type        = string

  validation {
    condition     = can(regex("^https://", var.token_url))
    error_message = "token_url must be an https URL."
  }
}

variable "gateway_prerequisites" {
  description = "Ids of what the gateway's admin API needs to answer a registration (its Lambda permissions, role policies, tables). The registration waits until they exist; a change of them does not run it again."
  type        = list(string)
  default     = []
}

variable "admin_client_id" {
  description = "App client with the admin scope, used to register the agents."
  type        = string
}

variable "admin_client_secret" {
  description = "Secret of the admin app client."
  type        = string
  sensitive   = true
}

variable "admin_scope" {
  description = "Full admin scope to request, e.g. switchboard/admin."
  type        = string
}

variable "permissions" {
  description = "Permission items to put after registering (scope => agents and, optionally, operations and taskAccess), as in local/seed.json."
  type = map(object({
    agents     = list(string)
    operations = optional(list(string))
    taskAccess = optional(string)
  }))
  default = {
    "weather:invoke"    = { agents = ["weather"] }
    "calculator:invoke" = { agents = ["calculator"] }
    "tasks:read"        = { agents = ["weather", "calculator"], operations = ["GetTask", "ListTasks"], taskAccess = "all" }
  }

  validation {
    condition     = alltrue([for scope in keys(var.permissions) : can(regex("^[A-Za-z0-9:._-]+$", scope))])
    error_message = "permission scopes may hold letters, digits and ':._-' only."
  }

  validation {
    condition     = alltrue([for permission in values(var.permissions) : contains(["own", "all"], coalesce(permission.taskAccess, "own"))])
    error_message = "a permission's taskAccess is \"own\" (the default) or \"all\"."
  }
}
