import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const moduleUrl = (path: string) =>
  JSON.stringify(pathToFileURL(join(import.meta.dirname, '../..', path)).href)

/**
 * The packages a fresh Node process resolves (imports and requires alike) while it runs `steps`,
 * by the folder under node_modules they come from (`mathjs`, `@aws-sdk/client-dynamodb`).
 */
const packagesLoadedBy = async (steps: string): Promise<string[]> => {
  const script = `
    import { registerHooks } from 'node:module'
    const packages = new Set()
    registerHooks({
      resolve(specifier, context, next) {
        const resolved = next(specifier, context)
        const name = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1]
        if (name) packages.add(name)
        return resolved
      },
    })
    ${steps}
    console.log(JSON.stringify([...packages]))
    process.exit(0)`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script])
  return JSON.parse(stdout) as string[]
}

describe('what a start loads, and what it leaves for first use', () => {
  it('starts the calculator agent and serves its card without its math library, which its first calculation loads', async () => {
    // Act
    const atStart = await packagesLoadedBy(`
      const { startCalculatorAgent } = await import(${moduleUrl('agents/calculator/agent.ts')})
      const agent = await startCalculatorAgent()
      await (await fetch(agent.url + '/.well-known/agent-card.json')).text()
      await agent.close()`)
    const calculating = await packagesLoadedBy(`
      const { calculateSkill } = await import(${moduleUrl('agents/calculator/skill.ts')})
      await calculateSkill.run({ expression: '2+2' })`)

    // Assess
    expect(atStart).toContain('@a2a-js/sdk')
    expect(atStart).not.toContain('mathjs')
    expect(calculating).toContain('mathjs')
  })

  it("serves the local database's channel without the AWS SDK, which the lean client itself needs", async () => {
    // Act
    const channel = await packagesLoadedBy(
      `await import(${moduleUrl('local/database-channel.ts')})`,
    )
    const client = await packagesLoadedBy(`await import(${moduleUrl('lib/dynamo-lean.ts')})`)

    // Assess
    expect(channel.filter((name) => /^@(aws-sdk|smithy)\//.test(name))).toEqual([])
    expect(client).toContain('@aws-sdk/client-dynamodb')
  })
})
