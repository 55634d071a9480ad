import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb'
import type { Embedder } from '../discovery/embedder.ts'
import type { Problem } from '../http/problem.ts'

/** A dependency the gateway needs to serve calls, and how to see that it answers. */
export interface DependencyCheck {
  /** Named in the answer: `database`, `embedder`. */
  name: string
  /** Resolves when the dependency answered; gives up when `signal` aborts. */
  check: (signal: AbortSignal) => Promise<unknown>
}

export type Readiness =
  | { ready: true; dependencies: Record<string, 'ok'> }
  | {
      ready: false
      dependencies: Record<string, 'ok' | 'failed'>
      /** `database: ECONNREFUSED`, one per failed dependency. */
      failures: string[]
      /** The errors themselves, for the log (never the answer). */
      errors: unknown[]
    }

/**
 * How a check failed, by the error's code or name only (`ECONNREFUSED`,
 * `TimeoutError`, `AccessDeniedException`): the answer is public, and a message
 * may name a role, a table or a host.
 */
const failureOf = (error: unknown) =>
  String((error as { code?: unknown })?.code ?? (error as Error)?.name ?? 'unknown error')

/**
 * Asks every dependency at once, each given `timeoutMs` to answer: ready when all
 * answered, else which failed and how (a timeout counts as a failure).
 *
 * @example
 * const readiness = await checkReadiness([{ name: 'database', check: (signal) => ping(signal) }], 2000)
 */
export const checkReadiness = async (
  checks: readonly DependencyCheck[],
  timeoutMs: number,
): Promise<Readiness> => {
  const outcomes = await Promise.all(
    checks.map(async ({ name, check }) => {
      const signal = AbortSignal.timeout(timeoutMs)
      try {
        await Promise.race([
          check(signal),
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          ),
        ])
        return { name, failure: undefined, error: undefined }
      } catch (error) {
        return { name, failure: `${name}: ${failureOf(error)}`, error }
      }
    }),
  )
  const dependencies = Object.fromEntries(
    outcomes.map(({ name, failure }) => [name, failure ? 'failed' : 'ok'] as const),
  )
  const failures = outcomes.flatMap(({ failure }) => (failure ? [failure] : []))
  return failures.length === 0
    ? { ready: true, dependencies: dependencies as Record<string, 'ok'> }
    : {
        ready: false,
        dependencies,
        failures,
        errors: outcomes.flatMap(({ error }) => (error === undefined ? [] : [error])),
      }
}

/**
 * The 503 problem of a gateway that is not ready, naming the dependencies that
 * failed (`failed`) and each dependency's state (`dependencies`).
 */
export const notReadyProblem = (readiness: Readiness & { ready: false }): Problem => {
  const failed = Object.entries(readiness.dependencies)
    .filter(([, state]) => state === 'failed')
    .map(([name]) => name)
  return {
    type: 'https://switchboard.dev/problems/not-ready',
    title: 'Not ready',
    status: 503,
    detail: `Not ready: ${failed.join(' and ')} did not answer (${readiness.failures.join('; ')}).`,
    failed,
    dependencies: readiness.dependencies,
  }
}

/**
 * The agents table answers a read (of a key no agent can have: agent ids have no
 * `.` at the start), within the check's time.
 */
export const databaseCheck = (
  client: Pick<DynamoDBDocumentClient, 'send'>,
  agentsTable: string,
): DependencyCheck => ({
  name: 'database',
  check: (signal) =>
    client.send(new GetCommand({ TableName: agentsTable, Key: { agentId: '.ready' } }), {
      abortSignal: signal,
    }),
})

/** The embedder answers (Bedrock when configured; an in-process one has nothing to reach). */
export const embedderCheck = (embedder: Pick<Embedder, 'embed'>): DependencyCheck => ({
  name: 'embedder',
  check: () => embedder.embed('ready'),
})

/**
 * A check asked at most once per `ttlMs` on this instance, its answer (success
 * or failure) shared meanwhile. For what each probe must not pay for: the
 * readiness route is public and unmetered, and a Bedrock call per probe would
 * let anyone spend the embedding quota `/search` and `/route` need.
 *
 * @example
 * const checks = [databaseCheck(client, table), cachedCheck(embedderCheck(embedder), 30_000)]
 */
export const cachedCheck = (
  dependency: DependencyCheck,
  ttlMs: number,
  now: () => number = Date.now,
): DependencyCheck => {
  let last: { at: number; answer: Promise<unknown> } | undefined
  return {
    name: dependency.name,
    check: (signal) => {
      const at = now()
      // A negative age is a clock set back since: of no known age, asked again.
      if (!last || at < last.at || at - last.at >= ttlMs) {
        last = { at, answer: dependency.check(signal) }
        // Settled either way here too, so a failure shared later is not unhandled meanwhile.
        last.answer.catch(() => undefined)
      }
      return last.answer
    },
  }
}
