import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'

/** What AWS allows between a request's x-amz-date and its arrival, either way. */
const maxSkewMs = 5 * 60_000

/** A request as the stand-in received it: the raw request target, the exact body. */
export interface ReceivedRequest {
  method: string
  /** Path and query as on the request line. */
  target: string
  headers: IncomingHttpHeaders
  body: Buffer
}

/** An AWS-like refusal: the status, x-amzn-errortype and JSON body AWS answers with. */
export interface Refusal {
  status: 403
  errorType: string
  body: Record<string, string>
}

const refusal = (errorType: string, message: string, key = 'message'): Refusal => ({
  status: 403,
  errorType,
  body: { [key]: message },
})

const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/

const headerOf = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** 20150830T123600Z as a time. */
const amzDate = (value: string) => {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)?.slice(1).map(Number)
  if (!parts) return Number.NaN
  const [year, month, day, hours, minutes, seconds] = parts as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  return Date.UTC(year, month - 1, day, hours, minutes, seconds)
}
const formatAmzDate = (time: number) =>
  new Date(time)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')

const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/**
 * Checks a request's SigV4 signature as AWS checks one on a Lambda function
 * URL with AWS_IAM auth, by recomputing it with the AWS SDK's signer and the
 * expected credentials: refused when unsigned, signed with another access key
 * or secret, outside five minutes of `now`, scoped to another region or
 * service, carrying a body without x-amz-content-sha256, or a body whose hash
 * is not the one signed (tampered). Undefined when the signature holds.
 *
 * @example
 * const refused = await verifySigV4(received, { credentials, region: 'us-east-1', service: 'lambda' })
 */
export const verifySigV4 = async (
  request: ReceivedRequest,
  expected: {
    credentials: { accessKeyId: string; secretAccessKey: string }
    region: string
    service: string
    now?: () => number
  },
): Promise<Refusal | undefined> => {
  const authorization = headerOf(request.headers, 'authorization')
  if (!authorization) {
    return refusal(
      'AccessDeniedException',
      'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html',
      'Message',
    )
  }
  const parsed = authorizationPattern.exec(authorization)
  if (!parsed) {
    return refusal(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters, as AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`,
    )
  }
  const [, accessKeyId, scopeDate, region, service, signedList, signature] =
    parsed as unknown as string[]
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return refusal(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    )
  }
  const signedHeaders = (signedList as string).split(';')
  const dateHeader = headerOf(request.headers, 'x-amz-date')
  if (!dateHeader || !signedHeaders.includes('x-amz-date')) {
    return refusal(
      'IncompleteSignatureException',
      `'X-Amz-Date' must be a signed header carrying the signing time.`,
    )
  }
  if (!signedHeaders.includes('host')) {
    return refusal(
      'IncompleteSignatureException',
      `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`,
    )
  }
  const signedAt = amzDate(dateHeader)
  const now = (expected.now ?? Date.now)()
  if (Number.isNaN(signedAt)) {
    return refusal(
      'IncompleteSignatureException',
      `X-Amz-Date '${dateHeader}' is not of the form 20150830T123600Z.`,
    )
  }
  if (signedAt < now - maxSkewMs) {
    return refusal(
      'InvalidSignatureException',
      `Signature expired: ${dateHeader} is now earlier than ${formatAmzDate(now - maxSkewMs)} (${formatAmzDate(now)} - 5 min.)`,
    )
  }
  if (signedAt > now + maxSkewMs) {
    return refusal(
      'InvalidSignatureException',
      `Signature not yet current: ${dateHeader} is still later than ${formatAmzDate(now + maxSkewMs)} (${formatAmzDate(now)} + 5 min.)`,
    )
  }
  if (scopeDate !== dateHeader.slice(0, 8)) {
    return refusal(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateHeader.slice(0, 8)}'`,
    )
  }
  if (region !== expected.region) {
    return refusal(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${region}'.`,
    )
  }
  if (service !== expected.service) {
    return refusal(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${expected.service}'.`,
    )
  }
  const contentHash = headerOf(request.headers, 'x-amz-content-sha256')
  if (
    request.body.length > 0 &&
    (!contentHash || !signedHeaders.includes('x-amz-content-sha256'))
  ) {
    return refusal(
      'InvalidSignatureException',
      'A request with a body must sign its SHA-256 in the x-amz-content-sha256 header.',
    )
  }
  if (contentHash !== undefined && contentHash !== hex(request.body)) {
    return refusal(
      'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    )
  }

  const url = new URL(request.target, 'http://stand-in')
  const query: Record<string, string | string[]> = {}
  for (const [name, value] of url.searchParams) {
    const had = query[name]
    query[name] = had === undefined ? value : [...[had].flat(), value]
  }
  const headers = Object.fromEntries(
    signedHeaders.map((name) => [name, headerOf(request.headers, name) ?? '']),
  )
  const signer = new SignatureV4({
    service,
    region,
    credentials: expected.credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  })
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
  )
  const computed =
    /Signature=([0-9a-f]{64})$/.exec(recomputed.headers.authorization ?? '')?.[1] ?? ''
  const sameList =
    /SignedHeaders=([^,]+),/.exec(recomputed.headers.authorization ?? '')?.[1] === signedList
  if (!sameList || !timingSafeEqual(Buffer.from(computed), Buffer.from(signature as string))) {
    return refusal(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  }
  return undefined
}
