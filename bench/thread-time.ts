/**
 * Where the cores went during a run: each thread's time on a CPU and its time
 * runnable but waiting for one, from Linux's scheduler statistics
 * (`/proc/<pid>/task/<tid>/schedstat`: ns on a CPU, ns waiting on a run queue).
 * Threads are grouped by process and by what they are (`comm`: Node's main
 * thread, a worker thread, V8's helper threads, which do its garbage
 * collector's parallel and concurrent work and its optimizing compiles, and
 * libuv's pool). Where there is no /proc (not Linux), there are no figures.
 *
 * @example
 * const before = threadTimes({ gateway: process.pid })
 * await run()
 * const spent = threadTimesSince(before, threadTimes({ gateway: process.pid }))
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Nanoseconds on a CPU and waiting for one, by `process: thread kind`. */
export type ThreadTimes = Map<string, { cpuNs: number; waitNs: number }>

/** What a thread's `comm` says it is. */
const kindOf = (comm: string) =>
  comm === 'MainThread' || comm === 'node'
    ? 'main thread'
    : comm === 'WorkerThread'
      ? 'worker thread (the database)'
      : comm.startsWith('V8Worker') || comm.startsWith('V8 DefaultWorke')
        ? "V8's helpers (garbage collector, compiler)"
        : comm.startsWith('libuv-worker')
          ? "libuv's pool"
          : 'other'

/** Every thread of each named process, now, summed by kind; empty without /proc. */
export const threadTimes = (processes: Record<string, number>): ThreadTimes => {
  const times: ThreadTimes = new Map()
  for (const [name, pid] of Object.entries(processes)) {
    let threads: string[]
    try {
      threads = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of threads) {
      try {
        const [cpuNs = 0, waitNs = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
          .split(' ')
          .map(Number)
        const key = `${name}: ${kindOf(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim())}`
        const sum = times.get(key) ?? { cpuNs: 0, waitNs: 0 }
        times.set(key, { cpuNs: sum.cpuNs + cpuNs, waitNs: sum.waitNs + waitNs })
      } catch {
        // A thread that ended between the listing and the read: its time is gone with it.
      }
    }
  }
  return times
}

/** What each kind spent between two readings (a kind that appeared counts from zero). */
export const threadTimesSince = (before: ThreadTimes, after: ThreadTimes): ThreadTimes =>
  new Map(
    [...after].map(([key, { cpuNs, waitNs }]) => [
      key,
      {
        cpuNs: cpuNs - (before.get(key)?.cpuNs ?? 0),
        waitNs: waitNs - (before.get(key)?.waitNs ?? 0),
      },
    ]),
  )

/** Adds `more` into `total`. */
export const addThreadTimes = (total: ThreadTimes, more: ThreadTimes): ThreadTimes => {
  for (const [key, { cpuNs, waitNs }] of more) {
    const sum = total.get(key) ?? { cpuNs: 0, waitNs: 0 }
    total.set(key, { cpuNs: sum.cpuNs + cpuNs, waitNs: sum.waitNs + waitNs })
  }
  return total
}
