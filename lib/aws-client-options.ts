import type { GatewayConfig } from './config.ts'

/** What every AWS SDK client of the gateway is built from. */
export type AwsClientConfig = Pick<GatewayConfig, 'region'> &
  Partial<Pick<GatewayConfig, 'awsRequestTimeoutMs'>>

/**
 * The options every AWS SDK client of the gateway is built with: its Region and, when the
 * configuration gives one (`AWS_REQUEST_TIMEOUT_MS`), a limit on each attempt of a request.
 * The SDK's Node handler has none by default, so a service that accepts a connection and never
 * answers would hold a call until the function's timeout (the agents function's is 15 minutes).
 * With the limit, an attempt that takes longer fails with a `TimeoutError`, connecting included,
 * as does one whose answer stops arriving; the SDK retries it as it retries any timeout.
 *
 * @example
 * new KMSClient(awsClientOptions(config))
 */
export const awsClientOptions = ({ region, awsRequestTimeoutMs }: AwsClientConfig) => ({
  region,
  ...(awsRequestTimeoutMs === undefined
    ? {}
    : {
        requestHandler: {
          requestTimeout: awsRequestTimeoutMs,
          // The SDK only warns of a request past its requestTimeout unless told to fail it.
          throwOnRequestTimeout: true,
          socketTimeout: awsRequestTimeoutMs,
        },
      }),
})
