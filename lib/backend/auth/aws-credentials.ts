import { defaultProvider } from '@aws-sdk/credential-provider-node'
import { BackendCredentialsError } from './backend-auth.ts'

/** AWS credentials as the SDK's providers give them. */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** The gateway's own AWS credentials, whenever a request is to be signed. */
export type AwsCredentialsSource = () => Promise<AwsCredentials>

/** Credentials are renewed this long before they expire, so none expires in flight. */
const renewBeforeMs = 5 * 60_000

/**
 * Credentials from `provider`, asked once and kept until five minutes before
 * they expire (for ever if they do not); a burst of requests finding none
 * shares one load. A renewal that fails while the kept credentials are still
 * valid keeps them; a load that fails otherwise is a BackendCredentialsError.
 *
 * @example
 * const credentials = memoizedAwsCredentials(defaultProvider())
 * const { accessKeyId } = await credentials()
 */
export const memoizedAwsCredentials = (
  provider: () => Promise<AwsCredentials>,
  now: () => number = Date.now,
): AwsCredentialsSource => {
  let kept: AwsCredentials | undefined
  let loading: Promise<AwsCredentials> | undefined
  const fresh = (credentials: AwsCredentials | undefined, marginMs: number) =>
    credentials !== undefined &&
    (credentials.expiration === undefined || credentials.expiration.getTime() - marginMs > now())
  return async function gatewayAwsCredentials() {
    if (kept && fresh(kept, renewBeforeMs)) return kept
    loading ??= provider()
      .then((credentials) => {
        kept = credentials
        return credentials
      })
      .catch((error: unknown) => {
        if (kept && fresh(kept, 0)) return kept
        throw new BackendCredentialsError(
          `the gateway's own AWS credentials could not be loaded (${(error as Error).message})`,
          { gatewaysOwn: true },
        )
      })
      .finally(() => {
        loading = undefined
      })
    return loading
  }
}

/**
 * The gateway's role credentials through the AWS SDK's default provider chain
 * (environment, web identity, container, instance metadata...), memoized. On
 * Lambda and under `npm start` that is AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (and AWS_SESSION_TOKEN); nothing is stored in the registry.
 */
export const defaultAwsCredentials = (): AwsCredentialsSource =>
  memoizedAwsCredentials(defaultProvider())
