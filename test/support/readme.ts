import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const repositoryRoot = join(import.meta.dirname, '../..')

/** README.md as a reader sees it. */
export const readme = () => readFileSync(join(repositoryRoot, 'README.md'), 'utf8')

/**
 * The text under a `## ` heading of the README, up to the next `## ` heading;
 * an Error naming the heading when there is none, so a renamed section fails loudly.
 */
export const readmeSection = (heading: string): string => {
  const text = readme()
  const start = text.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README.md has no section '## ${heading}'`)
  const end = text.indexOf('\n## ', start + 1)
  return text.slice(start, end < 0 ? undefined : end)
}

/** The contents of the fenced code blocks of one language, in order. */
export const codeBlocks = (markdown: string, language: string): string[] =>
  [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(
    (match) => match[1] as string,
  )
