import { rename, writeFile } from 'node:fs/promises'

/**
 * Writes a generated file whole or not at all: into a file beside it, then
 * renamed over it. A test reading the file while a build (another test's)
 * rewrites it sees the old text or the new, never half of one.
 */
export const writeGenerated = async (file: string, text: string): Promise<void> => {
  const next = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`
  await writeFile(next, text)
  await rename(next, file)
}
