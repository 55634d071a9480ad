import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { codeBlocks, readmeSection, repositoryRoot } from '../support/readme.ts'

const run = promisify(execFile)
const example = 'examples/a2a-sdk-client.ts'

describe("the README's @a2a-js/sdk snippet", () => {
  let stack: RunningStack

  beforeAll(async () => {
    stack = await startThrowawayStack()
  })

  afterAll(async () => {
    await stack.stop()
  })

  it(`is ${example}, word for word`, () => {
    // Prepare
    const file = readFileSync(join(repositoryRoot, example), 'utf8')

    // Act
    const snippets = codeBlocks(readmeSection('A2A through the gateway'), 'ts')

    // Assess
    expect(snippets).toContain(file)
  })

  it('gets an answer and then a streamed answer from the weather agent through the gateway', async () => {
    // Act
    const { stdout } = await run(process.execPath, [example], {
      cwd: repositoryRoot,
      env: { ...process.env, GATEWAY_URL: stack.url },
      timeout: 30_000,
    })

    // Assess
    const [unary, streamed] = stdout.split(/^\[TASK_STATE_WORKING\]\n/m)
    expect(unary).toMatch(/^Typical \w+ weather in Tokyo, Japan:\n/)
    expect(streamed).toMatch(
      /^Typical July weather in Lima, Peru:\n[\s\S]*\n\[TASK_STATE_COMPLETED\]\n$/,
    )
  })
})
