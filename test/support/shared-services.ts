import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { createTables } from '../../local/database.ts'
import type { HandlerBundle } from '../../scripts/build.ts'
import { type DynamoDbLocal, deleteTables, launchDynamoDbLocal } from './dynamodb-local.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's shared services answer (test/support/shared-services.ts). */
    sharedServices: string
  }
}

/** What `POST /build` answers: the run's one build of scripts/build.ts. */
export interface SharedBuild {
  outdir: string
  handlers: HandlerBundle[]
}

const body = async (request: IncomingMessage) => {
  let text = ''
  for await (const chunk of request) text += chunk
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
}

/** A build of scripts/build.ts into a temporary folder of its own. */
const buildIntoTemp = async (): Promise<SharedBuild> => {
  const { buildAll } = await import('../../scripts/build.ts')
  const outdir = await mkdtemp(join(tmpdir(), 'switchboard-test-build-'))
  return { outdir, handlers: (await buildAll(outdir)).handlers }
}

/**
 * What several test files would otherwise each start or build for themselves,
 * started once per `vitest run` on the first file's request and stopped at its
 * end (vitest's globalSetup), served over loopback HTTP to the test workers:
 *
 * - `POST /dynamodb-local {tablePrefix}`: one DynamoDB Local (a JVM) for the
 *   run, the tables of lib/tables.ts created under the file's own prefix
 *   (a prefix another file holds is refused); `DELETE` with the same body drops
 *   them again.
 * - `POST /build`: one `buildAll` (scripts/build.ts) into a temporary folder.
 *
 * Nothing starts unless a file asks, so a run of unit tests pays nothing.
 */
export default async function setup(project: TestProject) {
  let dynamoDbLocal: Promise<DynamoDbLocal> | undefined
  let build: Promise<SharedBuild> | undefined
  const prefixes = new Set<string>()

  const answer = async (request: IncomingMessage): Promise<unknown> => {
    const route = `${request.method} ${request.url}`
    if (route === 'POST /build') {
      build ??= buildIntoTemp()
      return build
    }
    if (route === 'POST /dynamodb-local' || route === 'DELETE /dynamodb-local') {
      const { tablePrefix } = await body(request)
      if (typeof tablePrefix !== 'string' || tablePrefix === '') {
        throw new Error('tablePrefix (a non-empty string) is required')
      }
      dynamoDbLocal ??= launchDynamoDbLocal()
      const { endpoint } = await dynamoDbLocal
      if (request.method === 'DELETE') {
        await deleteTables(endpoint, tablePrefix)
        prefixes.delete(tablePrefix)
        return {}
      }
      if (prefixes.has(tablePrefix)) {
        throw new Error(`table prefix '${tablePrefix}' is in use by another test file`)
      }
      prefixes.add(tablePrefix)
      await createTables(endpoint, tablePrefix)
      return { endpoint }
    }
    throw new Error(`no such shared service: ${route}`)
  }

  const server = createServer((request, response) => {
    answer(request).then(
      (result) => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(result))
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' })
        response.end(error.stack ?? error.message)
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('sharedServices', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)

  return async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await (await dynamoDbLocal?.catch(() => undefined))?.stop()
    const built = await build?.catch(() => undefined)
    if (built) await rm(built.outdir, { recursive: true, force: true })
  }
}

/** Asks the run's shared services (from a test file) for one of them; undefined outside such a run. */
export const sharedService = async <T>(
  url: string | undefined,
  method: 'POST' | 'DELETE',
  path: string,
  request: Record<string, unknown> = {},
): Promise<T | undefined> => {
  if (!url) return undefined
  const response = await fetch(`${url}${path}`, { method, body: JSON.stringify(request) })
  if (!response.ok) throw new Error(`shared ${path} failed: ${await response.text()}`)
  return (await response.json()) as T
}

/**
 * The run's one build of scripts/build.ts (every handler, agent and middleware,
 * their types, the console), for the files that read what it writes; outside a
 * run with the shared services, a build of its own into a temporary folder.
 * Read it, never write to it: other files read the same folder.
 */
export const sharedBuild = async (services: string | undefined): Promise<SharedBuild> => {
  const shared = await sharedService<SharedBuild>(services, 'POST', '/build')
  return shared ?? buildIntoTemp()
}
