import { join } from 'node:path'
import { type MockRoute, mockRoutes, type Route, routes } from '../lib/routes.ts'
import { writeGenerated } from './write-generated.ts'

/** One API Gateway resource: a path prefix, its last segment and its parent's path. */
export interface ApiResource {
  pathPart: string
  /** Number of segments; API Gateway resources are created one level at a time. */
  depth: number
  /** The parent resource's path, '/' for the root. */
  parent: string
}

export interface TerraformRoutes {
  /**
   * Keyed `${method} ${path}`, the key Terraform gives each method and integration; without what
   * only the handlers read (`etag`: API Gateway passes `If-Match` and `ETag` through as it is).
   */
  routes: Record<string, Omit<Route, 'etag'>>
  /** Routes with no authorizer and no Lambda (MOCK integration), keyed likewise. */
  mockRoutes: Record<string, MockRoute>
  /** Every path prefix any route needs, keyed by its full path. */
  resources: Record<string, ApiResource>
}

const segmentsOf = (path: string) => path.split('/').filter(Boolean)

/**
 * The route table as the Terraform stack reads it (`terraform/generated/routes.json`):
 * the routes, and the resource tree they need, since API Gateway wants one resource
 * per path prefix with its parent's id.
 */
export const terraformRoutes = (
  table: readonly Route[] = routes,
  mocks: readonly MockRoute[] = mockRoutes,
): TerraformRoutes => {
  const resources: Record<string, ApiResource> = {}
  for (const route of [...table, ...mocks]) {
    const segments = segmentsOf(route.path)
    segments.forEach((pathPart, index) => {
      const path = `/${segments.slice(0, index + 1).join('/')}`
      const parent = index === 0 ? '/' : `/${segments.slice(0, index).join('/')}`
      resources[path] = { pathPart, depth: index + 1, parent }
    })
  }
  return {
    routes: Object.fromEntries(
      // The conditions a route takes are the admin handler's to check, nothing API Gateway needs.
      table.map(({ etag: _etag, createOnly: _createOnly, ...route }) => [
        `${route.method} ${route.path}`,
        route,
      ]),
    ),
    mockRoutes: Object.fromEntries(mocks.map((route) => [`${route.method} ${route.path}`, route])),
    resources: Object.fromEntries(
      Object.entries(resources).sort(([left], [right]) => left.localeCompare(right)),
    ),
  }
}

/** The file's content: stable formatting, so the committed copy diffs cleanly. */
export const terraformRoutesJson = () => `${JSON.stringify(terraformRoutes(), null, 2)}\n`

/** Where the stack reads it; committed, so `terraform plan` and the offline checks see it. */
export const terraformRoutesFile = (root: string) =>
  join(root, 'terraform', 'generated', 'routes.json')

export const writeTerraformRoutes = (root: string) =>
  writeGenerated(terraformRoutesFile(root), terraformRoutesJson())
