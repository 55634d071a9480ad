import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import type { GatewayConfig } from '../config.ts'
import type { OneAtATime } from '../dynamo-lease.ts'
import type { CallerRegistry } from './caller-registry.ts'
import { CognitoCallerRegistry } from './cognito-caller-registry.ts'
import { FileCallerRegistry } from './file-caller-registry.ts'

/**
 * Cognito on AWS; the local identity's file when IDENTITY_FILE says so (the
 * laptop runtime, whose file updates are already one at a time). Without a
 * user pool id on AWS, every callers route fails with that said (the stack sets
 * COGNITO_USER_POOL_ID).
 */
export const callerRegistryFor = (
  config: Pick<GatewayConfig, 'callers' | 'region' | 'token'>,
  /** Keeps Cognito's read-modify-writes apart across instances (a DynamoDB lease). */
  oneAtATime: OneAtATime,
): CallerRegistry => {
  const { identityFile, userPoolId, resourceServerIdentifier } = config.callers
  if (identityFile) return new FileCallerRegistry(identityFile)
  if (!userPoolId) {
    const unset = async (): Promise<never> => {
      throw new Error('COGNITO_USER_POOL_ID is not set: callers and scopes cannot be managed')
    }
    return {
      listScopes: unset,
      putScope: unset,
      deleteScope: unset,
      listClients: unset,
      listClientPage: unset,
      getClient: unset,
      createClient: unset,
      updateClient: unset,
      rotateSecret: unset,
      deleteClient: unset,
    }
  }
  // The endpoint may be overridden by AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (the SDK reads it).
  // No limit on an attempt (AWS_REQUEST_TIMEOUT_MS), unlike every other AWS client: the SDK would
  // retry a cut CreateUserPoolClient that Cognito then carries out too, leaving a client with a
  // secret nobody was shown. Only the admin function calls Cognito, within its own 60 s.
  return new CognitoCallerRegistry(new CognitoIdentityProviderClient({ region: config.region }), {
    userPoolId,
    resourceServerIdentifier,
    adminScope: config.token.adminScope,
    tokenValidityMinutes: config.callers.tokenValidityMinutes,
    oneAtATime,
  })
}
