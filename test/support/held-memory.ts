import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * The heap and external memory still reachable after full collections: what a
 * test holds, not what it has yet to collect. Per thread, so a test file in
 * another worker does not move it. Measure one holder per test file: garbage a
 * test before left reachable for a while would hide what this one holds.
 */
export const retainedMemory = (): number => {
  gc()
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/** One byte with memory of its own, as a socket read of one byte has. */
export const oneByte = (value = 0x78): Buffer => {
  const byte = Buffer.allocUnsafeSlow(1)
  byte[0] = value
  return byte
}

/** Lets streams, listeners and timers run. */
export const turn = () => new Promise((resolve) => setImmediate(resolve))
