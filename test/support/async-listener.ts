import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * A server's request listener from an async one. Node does not wait for a listener's
 * promise: one that rejects, as reading the body of a request its caller aborted does
 * (`for await` throws "aborted"), is an unhandled rejection, which fails the whole test
 * run. Here a failure destroys that response instead: its caller, if still there, sees the
 * connection reset. For node:http2, name its types: `asyncListener<Http2ServerRequest, …>`.
 */
export const asyncListener =
  <Request = IncomingMessage, Response extends { destroy(): unknown } = ServerResponse>(
    listener: (request: Request, response: Response) => Promise<unknown>,
  ) =>
  (request: Request, response: Response): void => {
    listener(request, response).catch(() => response.destroy())
  }
