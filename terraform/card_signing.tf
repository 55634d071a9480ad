# The key every agent card the gateway serves is signed with (A2A 1.0 card
# signatures, ES256: lib/signing/kms-gateway-key.ts). Its public half is served
# at /.well-known/agent-card-jwks.json; the private half never leaves KMS.
resource "aws_kms_key" "card_signing" {
  description              = "${var.name}: signs the agent cards the gateway serves (ES256)"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = var.kms_deletion_window_days
  # Asymmetric keys do not rotate; a new key is a new kid in the JWKS.
  # No key policy of our own: AWS's default one lets this account's IAM
  # policies govern the key, and the functions' policies name it.
}

resource "aws_kms_alias" "card_signing" {
  name          = "alias/${var.name}-card-signing"
  target_key_id = aws_kms_key.card_signing.key_id
}

# Signing cards: the functions that serve them (card route, router and extended
# cards; GET /agents and /search).
data "aws_iam_policy_document" "sign_cards" {
  statement {
    sid       = "SignCards"
    actions   = ["kms:Sign"]
    resources = [aws_kms_key.card_signing.arn]
  }
}

# Publishing the public key: the function serving the card JWKS.
data "aws_iam_policy_document" "publish_card_key" {
  statement {
    sid       = "PublishCardKey"
    actions   = ["kms:GetPublicKey"]
    resources = [aws_kms_key.card_signing.arn]
  }
}
