import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const run = promisify(execFile)

/** What `npm run invoke` must print for each sample event. */
const expected: Record<string, RegExp> = {
  'admin-register-agent.json': /"statusCode": 201/,
  'agents-agent-card.json': /^prelude: \{"statusCode":200[\s\S]*"supportedInterfaces"/m,
  'agents-jsonrpc-send-message.json':
    /^prelude: \{"statusCode":200[\s\S]*"2\+2\*3 = "[\s\S]{0,120}"text": "8"/m,
  'agents-rest-stream-message.json': /^prelude: \{"statusCode":200[\s\S]*^data: [\s\S]*Tokyo/m,
  'authorizer-bad-token.json': /"errorMessage": "Unauthorized"/,
  'authorizer-request.json': /"principalId": "demo-client"[\s\S]*"Effect": "Allow"/,
  'console-config.json': /"statusCode": 200[\s\S]*"clientId": "switchboard-console"/,
  'discovery-list-agents.json': /"statusCode": 200[\s\S]*weather/,
}

const outputs = new Map<string, Promise<{ stdout: string; packages: string[] }>>()
const recordsDir = mkdtempSync(join(tmpdir(), 'switchboard-invoke-'))
afterAll(() => rmSync(recordsDir, { recursive: true, force: true }))

/**
 * Runs `npm run invoke`'s script as npm would, on one sample event: once per
 * event (each run starts a throw-away stack), its output, and the packages it
 * loaded (test/support/record-packages.ts), read by every test about that event.
 */
const invokeRun = (file: string) => {
  let output = outputs.get(file)
  if (!output) {
    const handler = file.split('-')[0] as string
    const record = join(recordsDir, file)
    output = run(
      process.execPath,
      [
        '--import',
        './test/support/record-packages.ts',
        'local/invoke.ts',
        handler,
        `events/${file}`,
      ],
      {
        cwd: root,
        env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', RECORD_PACKAGES_TO: record },
      },
    ).then(async ({ stdout }) => ({
      stdout,
      packages: JSON.parse(await readFile(record, 'utf8')) as string[],
    }))
    outputs.set(file, output)
  }
  return output
}
const invoke = async (file: string): Promise<string> => (await invokeRun(file)).stdout

// Concurrent: each test waits on its own process, so both cores are kept busy. Eight stacks
// starting at once on two cores, beside other test files, take 5-12 s each and more on a busy
// machine: the bound is a guard against a hang, not a measure.
describe.concurrent('npm run invoke', { timeout: 60_000 }, () => {
  const files = readdirSync(join(root, 'events')).filter((file) => file.endsWith('.json'))

  it('has an expectation for every sample event', () => {
    // Assess
    expect(files.sort()).toEqual(Object.keys(expected).sort())
  })

  it.each(files)('runs its handler on events/%s and prints the result', async (file) => {
    // Act
    const stdout = await invoke(file)

    // Assess
    expect(stdout).toMatch(expected[file] as RegExp)
  })

  it('prints a JSON body of a buffered result as JSON, indented, not as an escaped string', async () => {
    // Act
    const stdout = await invoke('discovery-list-agents.json')

    // Assess
    const result = JSON.parse(stdout)
    expect(result.statusCode).toBe(200)
    expect(result.body.agents.map((agent: { agentId: string }) => agent.agentId)).toContain(
      'weather',
    )
    expect(stdout).toContain('\n  "body": {\n    "agents": [\n')
  })

  it('prints a streamed JSON body as JSON, indented, after its prelude', async () => {
    // Act
    const stdout = await invoke('agents-jsonrpc-send-message.json')

    // Assess
    const [prelude, body] = stdout.split(/^body:\n/m)
    expect(prelude).toMatch(/^prelude: \{"statusCode":200/)
    const answer = JSON.parse(body as string)
    expect(
      answer.result.task.artifacts[0].parts.map((part: { text: string }) => part.text),
    ).toEqual(['2+2*3 = ', '8'])
    expect(body).toMatch(/^\{\n {2}"jsonrpc": "2\.0",\n/)
  })

  it.each(['authorizer-request.json', 'authorizer-bad-token.json', 'console-config.json'])(
    'starts no sample agent for events/%s, whose handler reaches none',
    async (file) => {
      // Act
      const { packages } = await invokeRun(file)
      const { packages: withAgents } = await invokeRun('discovery-list-agents.json')

      // Assess: the agents' server (express) is not loaded; a stack with them loads it.
      expect(withAgents).toContain('express')
      expect(packages).toContain('@middy/core')
      expect(packages).not.toContain('express')
    },
  )

  it('prints an event stream as the text it is, one data line per event', async () => {
    // Act
    const stdout = await invoke('agents-rest-stream-message.json')

    // Assess
    const body = stdout.split(/^body:\n/m)[1] as string
    const events = body.split('\n\n').filter((event) => event.trim() !== '')
    expect(events.length).toBeGreaterThan(2)
    for (const event of events) expect(event).toMatch(/^data: \{.*\}$/)
  })
})
