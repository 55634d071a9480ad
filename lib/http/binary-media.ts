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
 * Whether a Content-Type or Accept value's media type (parameters aside) is one
 * of the binary media types: then API Gateway passes a request body to a Lambda
 * proxy integration base64-encoded (`isBase64Encoded: true`), else as text.
 *
 * @example
 * isBinaryMediaType('image/png; q=1', ['image/*']) // true
 */
export const isBinaryMediaType = (
  value: string | undefined,
  types: readonly string[] = binaryMediaTypes,
): boolean => {
  const mediaType = (value ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase() ?? ''
  return mediaType !== '' && types.some((entry) => matches(mediaType, entry))
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
  return isBinaryMediaType(accept, types) ? Buffer.from(body, 'base64') : body
}
