# Least privilege: one role per function, each naming the actions its handler
# calls and the ARNs it calls them on. No "*" action anywhere (test/terraform/).

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "handler" {
  for_each = local.handlers

  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "logs" {
  for_each = local.handlers

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.handler[each.key].arn}:*"]
  }
}

# authorizer: verifies the token (JWKS over HTTPS), reads the caller's scopes' permissions.
data "aws_iam_policy_document" "authorizer" {
  statement {
    sid       = "ReadPermissions"
    actions   = ["dynamodb:BatchGetItem"]
    resources = [aws_dynamodb_table.permissions.arn]
  }
}

# Finding agents by meaning (/route, /search): embed the text with Titan, query
# the vector index. Shared by the agents and discovery roles.
data "aws_iam_policy_document" "find_agents" {
  statement {
    sid       = "Embed"
    actions   = ["bedrock:InvokeModel"]
    resources = [local.embedding_model_arn]
  }

  statement {
    sid = "QueryAgentVectors"
    # Filtered queries need GetVectors besides QueryVectors.
    actions   = ["s3vectors:QueryVectors", "s3vectors:GetVectors"]
    resources = [local.agent_vector_indexes_arn_pattern]
  }
}

# Calling private agents (README "Private agents"): the gateway signs each
# request with its role, so the role itself must be allowed to invoke the
# function URL or AgentCore runtime, on the named ones only. Shared by the
# agents role (calls, streams) and the admin role (card fetches at
# registration); each statement exists only when it has something to name.
data "aws_iam_policy_document" "call_private_agents" {
  dynamic "statement" {
    for_each = length(local.private_agent_function_arns) > 0 ? ["InvokePrivateFunctionUrls"] : []

    content {
      sid       = statement.value
      actions   = ["lambda:InvokeFunctionUrl"]
      resources = local.private_agent_function_arns
    }
  }

  # Since October 2025 a function URL call is also authorized as
  # lambda:InvokeFunction; allowed here only through a function URL.
  dynamic "statement" {
    for_each = length(local.private_agent_function_arns) > 0 ? ["InvokePrivateFunctionsThroughUrls"] : []

    content {
      sid       = statement.value
      actions   = ["lambda:InvokeFunction"]
      resources = local.private_agent_function_arns

      condition {
        test     = "Bool"
        variable = "lambda:InvokedViaFunctionUrl"
        values   = ["true"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.private_agent_runtime_arns) > 0 ? ["InvokePrivateAgentRuntimes"] : []

    content {
      sid       = statement.value
      actions   = ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:GetAgentCard"]
      resources = local.private_agent_runtime_resources
    }
  }
}

# agents: reads agent records, counts calls and open streams, reads backend
# secrets, finds agents for /route, calls private agents and signs the cards it serves.
data "aws_iam_policy_document" "agents" {
  source_policy_documents = [
    data.aws_iam_policy_document.find_agents.json,
    data.aws_iam_policy_document.call_private_agents.json,
    data.aws_iam_policy_document.sign_cards.json,
  ]

  statement {
    sid       = "ReadAgents"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.agents.arn]
  }

  # GetItem: a stream refused for its cap reads its slots when the refusal carries no item
  # (DynamoDB returns it; an engine that does not, dynalite, is read instead).
  statement {
    sid       = "CountCalls"
    actions   = ["dynamodb:UpdateItem", "dynamodb:GetItem"]
    resources = [aws_dynamodb_table.rate_limits.arn]
  }

  # A token issued before its client's tokens were revoked is refused.
  statement {
    sid       = "ReadTokenRevocations"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.token_revocations.arn]
  }

  # /route's threshold, as POST /admin/route/calibrate stored it.
  statement {
    sid       = "ReadRouteThreshold"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.settings.arn]
  }

  # The card route has no authorizer (a public card needs no token); for a
  # granted card the handler reads the caller's scopes' permissions itself.
  statement {
    sid       = "ReadPermissions"
    actions   = ["dynamodb:BatchGetItem"]
    resources = [aws_dynamodb_table.permissions.arn]
  }

  # Task ownership: recorded from answers, checked before calls that name a task.
  statement {
    sid       = "TaskOwners"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.task_owners.arn]
  }

  # Push configs: the client's webhook kept when an agent is handed the callback,
  # read back to show the client its own config, deleted with the agent's config; the
  # Delete marks its task and id deleted (UpdateItem), answering the configs given inline
  # that their first pushes linked to it, deleted with it.
  statement {
    sid       = "PushConfigs"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.push_configs.arn]
  }

  # A backend secret belongs to an agent when the gateway created it (under the
  # stack's prefix; or under the legacy one, shared by the stacks of the account, by an
  # earlier release, and then only once tagged for this stack) or the operator marked
  # it (the agent tag, and no other stack's tag). One role serves every agent, so which
  # agent a secret belongs to is checked in code, at registration.
  statement {
    sid       = "ReadBackendSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.backend_secrets_arn_pattern]
  }

  statement {
    sid       = "ReadLegacyBackendSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.legacy_backend_secrets_arn_pattern]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }
  }

  statement {
    sid       = "ReadMarkedBackendSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.account_secrets_arn_pattern]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/${local.backend_secret_agent_tag}"
      values   = ["false"]
    }

    # Another stack's secrets carry the agent tag too: those tagged for another stack are not ours.
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:ResourceTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }
  }

  statement {
    sid       = "DecryptBackendSecrets"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.backend_secrets.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.${local.dns_suffix}"]
    }
  }

}

# discovery: reads the agent records it lists and finds (one by one: GET /agents pages over the
# caller's own agents, never a Scan), counts listings and searches, finds agents for /search,
# signs the cards it lists and publishes the card key (card_signing.tf).
data "aws_iam_policy_document" "discovery" {
  source_policy_documents = [
    data.aws_iam_policy_document.find_agents.json,
    data.aws_iam_policy_document.sign_cards.json,
    data.aws_iam_policy_document.publish_card_key.json,
  ]

  statement {
    sid       = "ReadAgents"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.agents.arn]
  }

  statement {
    sid       = "CountListingsAndSearches"
    actions   = ["dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.rate_limits.arn]
  }

  # A token issued before its client's tokens were revoked is refused.
  statement {
    sid       = "ReadTokenRevocations"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.token_revocations.arn]
  }

  # The push callback: the config, its agent (ReadAgents) and its task's owner checked, the push
  # queued. A config set with the SendMessage that starts its task is bound to the task the
  # agent first pushes for (UpdateItem) once that task is on record as its setter's; a push
  # never records a task's owner. Before it is bound, it is linked to the id its task's Delete
  # derives (UpdateItem), and deleted (DeleteItem) when that Delete came first.
  statement {
    sid       = "PushConfigs"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.push_configs.arn]
  }

  statement {
    sid       = "ReadTaskOwners"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.task_owners.arn]
  }

  # A push config whose scopes no longer grant the call that set it takes no more pushes.
  statement {
    sid       = "ReadPermissions"
    actions   = ["dynamodb:BatchGetItem"]
    resources = [aws_dynamodb_table.permissions.arn]
  }

  statement {
    sid       = "QueuePushes"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.push_deliveries.arn]
  }
}

# push-delivery: reads the push queue, the configs, their clients' token
# revocations, their agents, their scopes' permissions and a held push's task owner, signs each delivery's JWT with the card key, records dead letters. Calls clients' webhooks (not in the VPC).
data "aws_iam_policy_document" "push_delivery" {
  source_policy_documents = [data.aws_iam_policy_document.sign_cards.json]

  statement {
    sid = "ReadPushQueue"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility",
    ]
    resources = [aws_sqs_queue.push_deliveries.arn]
  }

  # A push held for its task's record past the function's time is queued again, to wait on in the
  # next delivery (handed back, it would wait out the queue's 30-minute visibility timeout), and so
  # is a push whose webhook failed an attempt, its wait for the next spent on the queue
  # (DelaySeconds), not in the function with its batch.
  statement {
    sid       = "RequeueHeldPushes"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.push_deliveries.arn]
  }

  # A push held for the task its SendMessage starts links and binds its config once the call's
  # answer has recorded the task as the setter's (UpdateItem), which it waits for
  # (ReadTaskOwners), and deletes the config (DeleteItem) when the task's Delete came first.
  statement {
    sid       = "PushConfigs"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.push_configs.arn]
  }

  statement {
    sid       = "ReadTaskOwners"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.task_owners.arn]
  }

  statement {
    sid       = "RecordDeadLetters"
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.push_dead_letters.arn]
  }

  # A config set with a token since revoked (its client deleted, say) gets no more pushes.
  statement {
    sid       = "ReadTokenRevocations"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.token_revocations.arn]
  }

  # Nor does one whose scopes no longer grant the call that set it.
  statement {
    sid       = "ReadPermissions"
    actions   = ["dynamodb:BatchGetItem"]
    resources = [aws_dynamodb_table.permissions.arn]
  }

  # Nor one whose agent was deactivated, deleted or registered again since the push was queued.
  statement {
    sid       = "ReadAgents"
    actions   = ["dynamodb:GetItem"]
    resources = [aws_dynamodb_table.agents.arn]
  }
}

# admin: manages agent records and permissions, the user pool's scopes and app
# clients, idempotency records, backend
# secrets (creates and tags them under the stack's prefix only, with the stack's
# key and stack tag only; reads and deletes those, and the legacy-named ones tagged
# for this stack; reads operator-marked ones), and vectors; fetches private
# agents' cards.
data "aws_iam_policy_document" "admin" {
  source_policy_documents = [data.aws_iam_policy_document.call_private_agents.json]

  # BatchGetItem: a permission's agents checked 100 a request (lib/registry/agent-registry.ts).
  statement {
    sid       = "ManageAgents"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]
    resources = [aws_dynamodb_table.agents.arn]
  }

  statement {
    sid       = "ManagePermissions"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]
    resources = [aws_dynamodb_table.permissions.arn]
  }

  # Callers and scopes (/admin/scopes, /admin/clients): the resource server's
  # scopes and the app clients of the stack's own pool, nothing else of Cognito
  # (lib/callers/cognito-caller-registry.ts sends exactly these).
  statement {
    sid = "ManageCallers"
    actions = [
      "cognito-idp:DescribeResourceServer",
      "cognito-idp:UpdateResourceServer",
      "cognito-idp:CreateUserPoolClient",
      "cognito-idp:DescribeUserPoolClient",
      "cognito-idp:ListUserPoolClients",
      "cognito-idp:UpdateUserPoolClient",
      "cognito-idp:DeleteUserPoolClient",
      "cognito-idp:AddUserPoolClientSecret",
      "cognito-idp:ListUserPoolClientSecrets",
      "cognito-idp:DeleteUserPoolClientSecret",
    ]
    resources = [aws_cognito_user_pool.gateway.arn]
  }

  statement {
    sid       = "Idempotency"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.idempotency.arn]
  }

  # A client's tokens revoked (POST /admin/clients/{id}/revoke-tokens, a delete, a scope taken
  # away), and an admin token checked against them like any other.
  statement {
    sid       = "RevokeTokens"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.token_revocations.arn]
  }

  # POST /admin/route/calibrate stores /route's threshold (replacing the last one).
  statement {
    sid       = "StoreRouteThreshold"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
    resources = [aws_dynamodb_table.settings.arn]
  }

  # DELETE /admin/route/calibrate removes it: that item alone (lib/discovery/route-settings.ts).
  statement {
    sid       = "RemoveRouteThreshold"
    actions   = ["dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.settings.arn]
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "dynamodb:LeadingKeys"
      values   = ["route-threshold"]
    }
  }

  # Changes to the scopes and clients, one at a time (lib/dynamo-lease.ts): a lease
  # item in the settings table, taken with a conditional put, given back with a delete.
  statement {
    sid       = "CallerChangeLease"
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.settings.arn]
    # Lease items only (leaseKeyPrefix): the delete never reaches /route's threshold
    # (which StoreRouteThreshold's put may write).
    condition {
      test     = "ForAllValues:StringLike"
      variable = "dynamodb:LeadingKeys"
      values   = ["lease#*"]
    }
  }

  # The audit trail (lib/admin/audit-log.ts): an intent written, then confirmed or
  # withdrawn; read through its indexes only.
  statement {
    sid       = "WriteAudit"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.audit.arn]
  }

  statement {
    sid       = "ReadAudit"
    actions   = ["dynamodb:Query"]
    resources = ["${aws_dynamodb_table.audit.arn}/index/*"]
  }

  # Every secret it creates carries the stack tag, so no other stack's marked-secret
  # grant reaches it.
  statement {
    sid       = "CreateBackendSecrets"
    actions   = ["secretsmanager:CreateSecret"]
    resources = [local.backend_secrets_arn_pattern]

    condition {
      test     = "StringEquals"
      variable = "secretsmanager:KmsKeyArn"
      values   = [aws_kms_key.backend_secrets.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }
  }

  # CreateSecret with Tags is also authorized as TagResource, whose request
  # carries no KmsKeyArn: its own statement, on the prefix, for the agent tag,
  # the stack tag (this stack) and managed-by only.
  statement {
    sid       = "TagBackendSecrets"
    actions   = ["secretsmanager:TagResource"]
    resources = [local.backend_secrets_arn_pattern]

    condition {
      test     = "Null"
      variable = "aws:RequestTag/${local.backend_secret_agent_tag}"
      values   = ["false"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = [local.backend_secret_agent_tag, local.backend_secret_stack_tag, "managed-by"]
    }
  }

  # Describe reads a secret's tags at registration (whose secret is it?).
  statement {
    sid       = "ReadAndDeleteBackendSecrets"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"]
    resources = [local.backend_secrets_arn_pattern]
  }

  # What an earlier release stored under the prefix every stack shared: this stack's
  # only, as its stack tag says (the operator's to put: this role may tag nothing there,
  # or it could claim another stack's secrets).
  statement {
    sid       = "ReadAndDeleteLegacyBackendSecrets"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"]
    resources = [local.legacy_backend_secrets_arn_pattern]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }
  }

  # An operator's secret marked for an agent: read, never deleted; not one tagged
  # for another stack (whose gateway-made secrets carry the agent tag too).
  statement {
    sid       = "ReadMarkedBackendSecrets"
    actions   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    resources = [local.account_secrets_arn_pattern]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/${local.backend_secret_agent_tag}"
      values   = ["false"]
    }

    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:ResourceTag/${local.backend_secret_stack_tag}"
      values   = [var.name]
    }
  }

  statement {
    sid       = "UseBackendSecretsKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [aws_kms_key.backend_secrets.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${var.region}.${local.dns_suffix}"]
    }
  }

  statement {
    sid       = "Embed"
    actions   = ["bedrock:InvokeModel"]
    resources = [local.embedding_model_arn]
  }

  statement {
    sid       = "IndexAgentVectors"
    actions   = ["s3vectors:PutVectors", "s3vectors:DeleteVectors"]
    resources = [local.agent_vector_indexes_arn_pattern]
  }

  # POST /admin/route/calibrate reads the agents' vectors (returnData) rather than embedding
  # every card and routing example again (lib/discovery/calibrate.ts).
  statement {
    sid       = "ReadAgentVectors"
    actions   = ["s3vectors:GetVectors"]
    resources = [local.agent_vector_indexes_arn_pattern]
  }
}

locals {
  handler_policies = {
    authorizer    = data.aws_iam_policy_document.authorizer.json
    agents        = data.aws_iam_policy_document.agents.json
    discovery     = data.aws_iam_policy_document.discovery.json
    admin         = data.aws_iam_policy_document.admin.json
    push-delivery = data.aws_iam_policy_document.push_delivery.json
  }
}

resource "aws_iam_role_policy" "logs" {
  for_each = local.handlers

  name   = "logs"
  role   = aws_iam_role.handler[each.key].id
  policy = data.aws_iam_policy_document.logs[each.key].json
}

resource "aws_iam_role_policy" "access" {
  # The console's function reads nothing but its own bundle: it has logs only.
  for_each = local.handler_policies

  name   = "access"
  role   = aws_iam_role.handler[each.key].id
  policy = local.handler_policies[each.key]
}

# Active tracing (lambda.tf): each function's role writes its segments to
# X-Ray with the two write actions Lambda's docs name for it
# (AWSXRayDaemonWriteAccess without its sampling-rule reads: Lambda samples
# itself). They name no resource: "*" only (test/terraform/iam.test.ts allows
# it for exactly this statement).
data "aws_iam_policy_document" "xray" {
  statement {
    sid       = "WriteTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "xray" {
  for_each = local.handlers

  name   = "xray"
  role   = aws_iam_role.handler[each.key].id
  policy = data.aws_iam_policy_document.xray.json
}

# A function in a VPC (vpc_subnet_ids: the agents and admin functions) reaches
# it through network interfaces Lambda creates, assigns addresses to and deletes
# with the function's own role: AWSLambdaVPCAccessExecutionRole's ec2 actions.
# The one statement with resource "*", because it cannot name more: the
# Describe actions have no resource-level permissions, and the interfaces
# (and their ids) do not exist until Lambda creates them. Only these six
# actions; test/terraform/iam.test.ts allows "*" for exactly this statement.
data "aws_iam_policy_document" "vpc_access" {
  statement {
    sid = "ManageVpcNetworkInterfaces"
    actions = [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "vpc_access" {
  for_each = local.vpc_enabled ? toset(local.agent_callers) : toset([])

  name   = "vpc-access"
  role   = aws_iam_role.handler[each.key].id
  policy = data.aws_iam_policy_document.vpc_access.json
}

# API Gateway's account-wide logging role (see observability.tf).
data "aws_iam_policy_document" "api_gateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api_gateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  name               = "${var.name}-api-gateway-logs"
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume.json
}

data "aws_iam_policy_document" "api_gateway_logs" {
  statement {
    sid = "WriteApiLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    # The role serves every API in the account and Region, so every log group in them.
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
  }
}

resource "aws_iam_role_policy" "api_gateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  name   = "logs"
  role   = aws_iam_role.api_gateway_logs[0].id
  policy = data.aws_iam_policy_document.api_gateway_logs.json
}
