import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/**
 * The built console, file name to content. In the Lambda bundle, `npm run build`
 * embeds it (scripts/build.ts defines SWITCHBOARD_CONSOLE_FILES, base64 by name);
 * run from source (`npm start`), it is read once from dist/console.
 */
declare const SWITCHBOARD_CONSOLE_FILES: Record<string, string> | undefined

const builtDir = fileURLToPath(new URL('../../dist/console/', import.meta.url))

let files: Promise<Map<string, Buffer>> | undefined

const readBuilt = async () => {
  try {
    const names = await readdir(builtDir)
    return new Map(
      await Promise.all(
        names.map(async (name) => [name, await readFile(`${builtDir}${name}`)] as const),
      ),
    )
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map<string, Buffer>()
    throw error
  }
}

export const consoleFiles = (): Promise<Map<string, Buffer>> => {
  if (typeof SWITCHBOARD_CONSOLE_FILES !== 'undefined') {
    files ??= Promise.resolve(
      new Map(
        Object.entries(SWITCHBOARD_CONSOLE_FILES).map(([name, content]) => [
          name,
          Buffer.from(content, 'base64'),
        ]),
      ),
    )
  }
  // Not yet built is not remembered: the next request looks again.
  files ??= readBuilt().then((read) => {
    if (read.size === 0) files = undefined
    return read
  })
  return files
}
