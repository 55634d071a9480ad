import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

/** What `npm run invoke` must print for each sample event. */
const expected: Record<string, RegExp> = {
  'admin-register-agent.json': /"statusCode": 201/,
  'agents-agent-card.json': /^prelude: \{"statusCode":200[\s\S]*"supportedInterfaces"/m,
  'agents-jsonrpc-send-message.json':
    /^prelude: \{"statusCode":200[\s\S]*"2\+2\*3 = "[\s\S]{0,80}"text":"8"/m,
  'agents-rest-stream-message.json': /^prelude: \{"statusCode":200[\s\S]*^data: [\s\S]*Tokyo/m,
  'authorizer-bad-token.json': /"errorMessage": "Unauthorized"/,
  'authorizer-request.json': /"principalId": "demo-client"[\s\S]*"Effect": "Allow"/,
  'discovery-list-agents.json': /"statusCode": 200[\s\S]*weather/,
}

describe('npm run invoke', () => {
  const files = readdirSync(join(root, 'events')).filter((file) => file.endsWith('.json'))

  it('has an expectation for every sample event', () => {
    // Assess
    expect(files.sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(files)('runs its handler on events/%s and prints the result', async (file) => {
    // Act
    const handler = file.split('-')[0] as string
    const { stdout } = await run(process.execPath, ['local/invoke.ts', handler, `events/${file}`], {
      cwd: root,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    })

    // Assess
    expect(stdout).toMatch(expected[file] as RegExp)
  })
})
