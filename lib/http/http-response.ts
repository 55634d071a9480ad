/** An API Gateway proxy response as middlewares build and amend it. */
export interface HttpResponse {
  statusCode: number
  headers?: Record<string, string>
  body?: unknown
}
