# The tables of lib/tables.ts, one block each so a reader sees each key and TTL;
# test/terraform/ checks them against that file. On-demand: the gateway's load
# follows its callers, and an idle stack costs nothing. Each refuses deletion while
# var.deletion_protection holds: a destroy, or a change that replaces the tables
# (name, region: README "Changing a deployed stack"), stops at them.

resource "aws_dynamodb_table" "agents" {
  name                        = "${local.table_prefix}agents"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "agentId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "agentId"
    type = "S"
  }

  # Registrations are configuration: recoverable to any second of the last 35 days.
  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "permissions" {
  name                        = "${local.table_prefix}permissions"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "scope"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "scope"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_dynamodb_table" "rate_limits" {
  name                        = "${local.table_prefix}rate-limits"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  # Counters are worthless after their minute; the window is in the key, so
  # correctness never waits for this deletion.
  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

resource "aws_dynamodb_table" "idempotency" {
  name                        = "${local.table_prefix}idempotency"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "id"
    type = "S"
  }

  # Powertools idempotency records expire on this attribute.
  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

resource "aws_dynamodb_table" "task_owners" {
  name                        = "${local.table_prefix}task-owners"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  # Each record lapses 30 days after the last answer that named its task; the
  # code treats an expired record as absent, so nothing waits for this deletion.
  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

# Clients' push configs behind the callbacks agents are handed (lib/push/): the
# webhook and its token stay here. A config lapses 30 days after it was set; an
# expired one counts as absent in code.
resource "aws_dynamodb_table" "push_configs" {
  name                        = "${local.table_prefix}push-configs"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "configId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "configId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

# Pushes whose delivery ran out of attempts, kept 14 days for an operator.
resource "aws_dynamodb_table" "push_dead_letters" {
  name                        = "${local.table_prefix}push-dead-letters"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "deliveryId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "deliveryId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

# When each client's tokens were last revoked (lib/auth/token-revocations.ts): a
# token that client was issued before `issuedBefore` is refused, and so is a push
# config set with one. An entry lapses once no such token or config can stand
# (sixty days: a config's 30, and as long again as the next setting's previous).
resource "aws_dynamodb_table" "token_revocations" {
  name                        = "${local.table_prefix}token-revocations"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "clientId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "clientId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = false
  }
}

# Gateway-wide settings an admin operation chooses (lib/discovery/route-settings.ts):
# pk `name`, e.g. `route-threshold`, the threshold POST /admin/route/calibrate chose.
resource "aws_dynamodb_table" "settings" {
  name                        = "${local.table_prefix}settings"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "name"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "name"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }
}

# Admin changes (lib/admin/audit-log.ts), kept AUDIT_RETENTION_DAYS (var.audit_retention_days)
# and recoverable like the configuration they describe. Each index lists entries
# newest first by sortKey ({at}#{id}): all of them (feed is one constant; admin
# changes are rare), one agent's, one actor's.
resource "aws_dynamodb_table" "audit" {
  name                        = "${local.table_prefix}audit"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "id"
    type = "S"
  }

  attribute {
    name = "feed"
    type = "S"
  }

  attribute {
    name = "agentId"
    type = "S"
  }

  attribute {
    name = "actor"
    type = "S"
  }

  attribute {
    name = "sortKey"
    type = "S"
  }

  global_secondary_index {
    name            = "byTime"
    hash_key        = "feed"
    range_key       = "sortKey"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "byAgent"
    hash_key        = "agentId"
    range_key       = "sortKey"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "byActor"
    hash_key        = "actor"
    range_key       = "sortKey"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }
}
