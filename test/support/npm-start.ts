import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'

export const root = join(import.meta.dirname, '../..')

export interface Started {
  child: ChildProcess
  output: () => string
  url: string
}

/** Every program `spawnStart` started, until `stopStarted` has seen it exit. */
const started = new Set<ChildProcess>()

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

/**
 * Spawns `npm start`'s program (`node local/start.ts`) with `env` added to this process's,
 * kept so that `stopStarted` stops it even when the test that started it failed or timed out.
 */
export const spawnStart = (env: Record<string, string>): ChildProcess => {
  const child = spawn(process.execPath, ['local/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.add(child)
  return child
}

/**
 * Stops every program `spawnStart` started that still runs, as Ctrl-C does, killing one that
 * has not exited 10 s later; for `afterEach`, so that a failed or timed-out test leaves no
 * program holding its state folder or its ports for the next.
 */
export const stopStarted = async () => {
  const children = [...started]
  started.clear()
  await Promise.all(
    children.filter(running).map(async (child) => {
      const exited = once(child, 'exit')
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }),
  )
}

/** Runs `npm start`'s program as a user would, until its banner says it is ready. */
export const start = async (env: Record<string, string>): Promise<Started> => {
  const child = spawnStart({ POWERTOOLS_LOG_LEVEL: 'WARN', ...env })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += chunk
  })
  child.stderr?.on('data', (chunk) => {
    output += chunk
  })
  const deadline = Date.now() + 20_000
  while (!/Ready in/.test(output)) {
    if (!running(child)) throw new Error(`npm start exited: ${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`npm start never became ready: ${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const url = /running at (http:\/\/\S+)/.exec(output)?.[1] as string
  return { child, output: () => output, url }
}

/** Stops it as Ctrl-C does; its exit code. */
export const stop = async ({ child }: Started) => {
  if (!running(child)) return child.exitCode
  child.kill('SIGINT')
  const [code] = await once(child, 'exit')
  return code
}

/**
 * Its exit code, once it exits within `ms`; if it does not, it is killed and this fails with
 * what it printed (`output`), so a test never hangs on a program that should have exited.
 */
export const exitCodeWithin = async (child: ChildProcess, ms: number, output: () => string) => {
  // Exited already (by a signal, its exitCode stays null): its `exit` has been and gone.
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`npm start did not exit within ${ms} ms; it printed: ${output()}`))
    }, ms)
  })
  try {
    const [code] = await Promise.race([once(child, 'exit'), late])
    return code as number | null
  } finally {
    clearTimeout(timer)
  }
}

/** The audit entries (`admin change` lines) its log holds so far. */
export const auditEntries = (started: Started): Record<string, unknown>[] =>
  started
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .flatMap((entry) => (entry.audit ? [entry.audit] : []))
