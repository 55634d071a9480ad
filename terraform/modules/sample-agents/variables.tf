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
  description = "Permission items to put after registering (scope => agents and, optionally, operations), as in local/seed.json."
  type = map(object({
    agents     = list(string)
    operations = optional(list(string))
  }))
  default = {
    "weather:invoke"    = { agents = ["weather"] }
    "calculator:invoke" = { agents = ["calculator"] }
    "tasks:read"        = { agents = ["weather", "calculator"], operations = ["GetTask", "ListTasks"] }
  }

  validation {
    condition     = alltrue([for scope in keys(var.permissions) : can(regex("^[A-Za-z0-9:._-]+$", scope))])
    error_message = "permission scopes may hold letters, digits and ':._-' only."
  }
}
