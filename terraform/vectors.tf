# Semantic discovery: one vector per agent (key = agentId) in S3 Vectors,
# embedded by Bedrock Titan Text Embeddings V2.

resource "aws_s3vectors_vector_bucket" "agents" {
  vector_bucket_name = "${var.name}-vectors-${local.account_id}"
}

resource "aws_s3vectors_index" "agents" {
  # By its dimension, except at the default (the name every stack was deployed with, so it
  # keeps its index): the functions' environment names the index, so the deployment's
  # create_before_destroy reaches it, and a new dimension creates the new index before the old
  # one is deleted. The bucket cannot hold two indexes of one name.
  index_name         = var.embedding_dimension == 1024 ? "agents" : "agents-${var.embedding_dimension}"
  vector_bucket_name = aws_s3vectors_vector_bucket.agents.vector_bucket_name

  data_type = "float32"
  # Must equal the embedder's output size (EMBEDDING_DIMENSION); changing it replaces the index.
  dimension       = var.embedding_dimension
  distance_metric = "cosine"

  # lib/discovery/agent-index.ts stores only agentId and status, and queries
  # filter on both; S3 Vectors makes metadata filterable unless listed as
  # non-filterable, so there is no metadata_configuration block.
}

locals {
  embedding_model_arn = "arn:${local.partition}:bedrock:${var.region}::foundation-model/${local.embedding_model_id}"
  # The roles are granted every index of the stack's own bucket, not the index resource: a new
  # embedding_dimension creates a new index, and a grant naming it would reach the roles in no
  # set order with the functions' environment that names it (Terraform orders neither after the
  # other), so discovery could be refused for seconds. Granted by the bucket, the policies do not
  # change; the old index stays readable until the functions have moved and it is deleted.
  agent_vector_indexes_arn_pattern = "${aws_s3vectors_vector_bucket.agents.vector_bucket_arn}/index/*"
}
