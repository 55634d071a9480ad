/**
 * Where an operator's calls go, and with which token: read at each call, since a test sets its
 * stack and token up in `beforeAll`, after it has made its helper.
 */
type AdminSession = () => { url: string; token: string }

/**
 * An operator's call to the admin API, as a script would make it: the admin's bearer token, a
 * JSON body when given, any other headers (an `Idempotency-Key`, say). Gives the fetch Response.
 *
 * @example
 * const adminCall = adminCaller(() => ({ url: stack.url, token: admin }))
 * const registered = await adminCall('POST', '/admin/register', { agentId, backendUrl })
 */
export const adminCaller =
  (session: AdminSession) =>
  (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const { url, token } = session()
    return fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

/**
 * The same call, its answer read: the status, the content type and the JSON body (undefined
 * when the answer has none, as a 204's).
 *
 * @example
 * const { status, body } = await adminJson('GET', '/admin/clients')
 */
export const adminJsonCaller = (session: AdminSession) => {
  const call = adminCaller(session)
  return async (...args: Parameters<ReturnType<typeof adminCaller>>) => {
    const response = await call(...args)
    const text = await response.text()
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
    }
  }
}
