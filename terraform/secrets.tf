# Backend credentials (an agent's OAuth client secret or API key) are created by
# the admin function in Secrets Manager under local.backend_secret_prefix (the
# stack's own), encrypted with this key; the agents table keeps only their ARNs.

resource "aws_kms_key" "backend_secrets" {
  description             = "${var.name}: backend credentials of registered agents (Secrets Manager)"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_days
  # No key policy of our own: AWS's default one lets this account's IAM
  # policies govern the key, and the functions' policies below name it.
}

resource "aws_kms_alias" "backend_secrets" {
  name          = "alias/${var.name}-backend-secrets"
  target_key_id = aws_kms_key.backend_secrets.key_id
}

locals {
  # Secrets Manager appends "-XXXXXX" to a secret's name in its ARN.
  backend_secrets_arn_pattern = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${local.backend_secret_prefix}*"
  # Every stack's secrets before each had its own prefix: only ever granted together with a
  # condition that the secret carries this stack's stack tag.
  legacy_backend_secrets_arn_pattern = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:${local.legacy_backend_secret_prefix}*"
  # Every secret of the account and Region: only ever granted together with a
  # condition that the secret carries the agent tag (an operator's marked secret).
  account_secrets_arn_pattern = "arn:${local.partition}:secretsmanager:${var.region}:${local.account_id}:secret:*"
}
