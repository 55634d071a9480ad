/**
 * What a new caller's own code does: the client-credentials grant at the token endpoint (the
 * local stack's, or npm start's), the client's id and secret in HTTP Basic.
 *
 * @example
 * const { token } = await tokenFor(stack.url, clientId, clientSecret)
 */
export const tokenFor = async (url: string, clientId: string, clientSecret: string) => {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })
  const body = await response.json()
  return { status: response.status, token: body.access_token as string | undefined }
}
