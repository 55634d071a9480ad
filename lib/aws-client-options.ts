import type { GatewayConfig } from './config.ts'

/** What every AWS SDK client of the gateway is built from. */
export type AwsClientConfig = Pick<GatewayConfig, 'region'> &
  Partial<Pick<GatewayConfig, 'awsRequestTimeoutMs'>>

/**
 * The options an AWS SDK client of the gateway is built with: its Region and, when the
 * configuration gives one (`AWS_REQUEST_TIMEOUT_MS`), a limit on each attempt of a request.
 * The SDK's Node handler has none by default, so a service that accepts a connection and never
 * answers would hold a call until the function's timeout (the agents function's is 15 minutes).
 * With the limit, an attempt whose answer has not begun within it fails with a `TimeoutError`,
 * connecting included, as does one whose answer then goes quiet that long; the SDK retries it as
 * it retries any timeout. `http2`: for a client on the SDK's HTTP/2 handler (Bedrock Runtime),
 * whose limit is a quiet stream's, and which keeps its default of a session per request (the
 * handler destroys a timed-out stream's session only then, so a retry gets a fresh one).
 *
 * @example
 * new KMSClient(awsClientOptions(config))
 */
export const awsClientOptions = (
  { region, awsRequestTimeoutMs }: AwsClientConfig,
  { http2 = false } = {},
) => {
  if (awsRequestTimeoutMs === undefined) return { region }
  return {
    region,
    requestHandler: http2
      ? { requestTimeout: awsRequestTimeoutMs, disableConcurrentStreams: true }
      : {
          requestTimeout: awsRequestTimeoutMs,
          // The SDK only warns of a request past its requestTimeout unless told to fail it.
          throwOnRequestTimeout: true,
          socketTimeout: awsRequestTimeoutMs,
        },
  }
}
