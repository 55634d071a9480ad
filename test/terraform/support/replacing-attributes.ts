/**
 * The attributes whose change makes the AWS provider (~> 6.28) replace a stateful resource
 * rather than update it (ForceNew in its SDK resources, RequiresReplace in its framework ones),
 * read from the provider's source. A replacement deletes the old resource, and with it what it
 * holds (after creating the new one for whatever the deployment's create_before_destroy reaches:
 * create-before-destroy.test.ts). Not here because 6.x updates them in place: aws_cognito_user_pool's and
 * aws_cognito_resource_server's `name` (6.6), every attribute of aws_api_gateway_rest_api.
 */
export const replacingAttributes: Record<string, string[]> = {
  aws_dynamodb_table: ['name', 'hash_key', 'range_key', 'local_secondary_index'],
  aws_cognito_user_pool: ['username_attributes', 'alias_attributes', 'username_configuration'],
  aws_cognito_user_pool_domain: ['domain', 'user_pool_id'],
  aws_cognito_resource_server: ['identifier', 'user_pool_id'],
  aws_cognito_user_pool_client: ['user_pool_id', 'generate_secret'],
  aws_cognito_user_group: ['name', 'user_pool_id'],
  aws_kms_key: ['customer_master_key_spec', 'key_usage', 'multi_region'],
  aws_s3vectors_vector_bucket: ['vector_bucket_name', 'encryption_configuration'],
  aws_s3vectors_index: [
    'index_name',
    'vector_bucket_name',
    'dimension',
    'data_type',
    'distance_metric',
    'metadata_configuration',
    'encryption_configuration',
  ],
  aws_cloudwatch_log_group: ['name', 'name_prefix'],
  aws_api_gateway_stage: ['stage_name', 'rest_api_id'],
  aws_sqs_queue: ['name', 'fifo_queue'],
  aws_sns_topic: ['name', 'fifo_topic'],
}
