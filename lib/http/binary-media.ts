/**
 * The REST API's `binaryMediaTypes`, as terraform/api.tf sets them on
 * `aws_api_gateway_rest_api.gateway`: none (test/terraform/routes.test.ts checks
 * the two agree). Every buffered answer of the gateway is therefore text; a
 * handler that answered `isBase64Encoded: true` would send the base64 itself.
 */
export const binaryMediaTypes: readonly string[] = []

const matches = (mediaType: string, entry: string) => {
  const [type, subtype] = entry.toLowerCase().split('/')
  const [wantedType, wantedSubtype] = mediaType.split('/')
  return (type === '*' || type === wantedType) && (subtype === '*' || subtype === wantedSubtype)
}

/**
 * The body API Gateway (REST API) sends for a buffered Lambda proxy result: the
 * base64 decoded to bytes only when the result says `isBase64Encoded: true` AND
 * the request's first `Accept` media type matches one of the API's binary media
 * types; otherwise the body exactly as the handler wrote it, base64 text
 * included. (AWS: "Binary media types for REST APIs in API Gateway", Lambda
 * proxy integrations. A streamed integration sends bytes and needs none.)
 *
 * @example
 * deliveredBody({ body: 'aGk=', isBase64Encoded: true }, 'text/html', []) // 'aGk='
 */
export const deliveredBody = (
  result: { body?: string | null; isBase64Encoded?: boolean },
  accept: string | undefined,
  types: readonly string[] = binaryMediaTypes,
): string | Buffer => {
  const body = result.body ?? ''
  if (result.isBase64Encoded !== true) return body
  const first = (accept ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase() ?? ''
  const binary = first !== '' && types.some((entry) => matches(first, entry))
  return binary ? Buffer.from(body, 'base64') : body
}
