/**
 * The environment a handler imported by a test reads in local mode, its tables on a test
 * database at `endpoint` under `tablePrefix`; a test adds what its routes need beside it.
 */
export const localHandlerEnv = (endpoint: string, tablePrefix: string) => ({
  SWITCHBOARD_MODE: 'local',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  DYNAMODB_ENDPOINT: endpoint,
  TABLE_PREFIX: tablePrefix,
  TOKEN_ISSUER: 'http://127.0.0.1:3000',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
})
