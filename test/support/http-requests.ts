import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { ClientRequest } from 'node:http'

/**
 * The HTTP requests this process's `http`/`https` clients start while `act` runs,
 * each as its `host` header (`127.0.0.1:8000`), seen on Node's own diagnostics
 * channel (`http.client.request.start`): which servers were called, not how.
 *
 * @example
 * const hosts = await httpRequestsDuring(() => client.send(command))
 */
export const httpRequestsDuring = async (act: () => Promise<unknown>): Promise<string[]> => {
  const hosts: string[] = []
  const seen = (message: unknown) =>
    hosts.push(String((message as { request: ClientRequest }).request.getHeader('host')))
  subscribe('http.client.request.start', seen)
  try {
    await act()
  } finally {
    unsubscribe('http.client.request.start', seen)
  }
  return hosts
}
