import { type ChildProcess, execFile } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HashingEmbedder } from '../../lib/discovery/hashing-embedder.ts'
import { journalFile } from '../../local/journaled-store.ts'
import { closedPort, portKeptFree, startCardServer, validCard } from '../support/card-server.ts'
import { tokenFor } from '../support/client-credentials.ts'
import { startEmbeddingServer } from '../support/embedding-server.ts'
import {
  exitCodeWithin,
  type Started,
  spawnStart,
  start,
  stop,
  stopStarted,
} from '../support/npm-start.ts'
import { codeBlocks, readmeSection } from '../support/readme.ts'

const run = promisify(execFile)

/** The banner's copy-paste commands, continuation lines joined. */
const bannerCommands = (output: string) =>
  output
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .map((line) => line.replace(/^[A-Z][\w ():-]+:\s{2,}/, ''))
    .filter((line) => line.startsWith('TOKEN=') || line.startsWith('curl '))

/**
 * Connects to the port until it accepts (the program is starting), sends
 * `GET /health` (or `method`) on that very first connection and returns the raw answer.
 */
const firstAnswer = async (port: number, child: ChildProcess, method = 'GET'): Promise<string> => {
  for (;;) {
    if (child.exitCode !== null) throw new Error('npm start exited before it listened')
    const socket = connect(port, '127.0.0.1')
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true))
      socket.once('error', () => resolve(false))
    })
    let answer = ''
    if (connected) {
      socket.end(`${method} /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`)
      try {
        for await (const chunk of socket) answer += chunk
      } catch {
        // Its check that the port is free (assertPortsFree) listens a moment and drops whatever
        // connects: not the gateway yet.
      }
    }
    if (answer !== '') return answer
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

// Each test starts the program (or uses a run started for it), and start() alone waits up to
// 20 s for it.
describe('npm start', { timeout: 60_000 }, () => {
  let stateDir: string
  /**
   * Every port the program binds, 0: each listens on a free one, and the test reads the
   * gateway's from the banner (start's `url`). None is chosen ahead and bound later, when
   * another process may have taken it.
   */
  const ports = { PORT: '0', WEATHER_AGENT_PORT: '0', CALCULATOR_AGENT_PORT: '0' }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'switchboard-start-'))
  })
  afterAll(async () => {
    await stopStarted()
    await rm(stateDir, { recursive: true, force: true })
  })

  /**
   * One run on the state folder serves four tests, in this order, none of which needs a fresh
   * one (each start costs seconds): its banner (the first calls it gets), search with a blank
   * EMBEDDER, a second start refused beside it, and the restart, which stops it with Ctrl-C.
   * At INFO, for the audit line.
   */
  describe('one run, then a restart on its state folder', () => {
    let first: Started
    beforeAll(async () => {
      first = await start({
        SWITCHBOARD_STATE_DIR: stateDir,
        ...ports,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // A blank setting is unset (README, *Configuration*): an env file's empty line with a
        // space. Every other start here has EMBEDDER unset.
        EMBEDDER: ' ',
      })
    }, 60_000)

    it('prints a banner whose commands work as printed', async () => {
      // Prepare
      const commands = bannerCommands(first.output())

      // Act: pasted as a person would, the token once and then each command, in one shell (each
      // command's output after a line of its own; `set -e`: a command that fails fails the test)
      const cut = '--8<-- next command --8<--'
      const { stdout } = await run('bash', [
        '-c',
        [
          'set -e',
          commands[0],
          ...commands.slice(1).map((command) => `echo\necho '${cut}'\n${command}`),
        ].join('\n'),
      ])
      const results = stdout.split(`\n${cut}\n`).slice(1)
      const mistyped = await run('bash', [
        '-c',
        `${commands[0]?.replace(/client_secret=\S+/, 'client_secret=mistyped')}\necho "[$TOKEN]"`,
      ])

      // Assess
      expect(commands).toHaveLength(7)
      const [jsonRpc, stream, list, unauthenticated, ready, metrics] = results as string[] as [
        string,
        string,
        string,
        string,
        string,
        string,
      ]
      expect(JSON.parse(jsonRpc).result.task.status.state).toBe('TASK_STATE_COMPLETED')
      expect(jsonRpc).toContain('Tokyo')
      expect(stream.match(/^data: /gm)?.length).toBeGreaterThanOrEqual(4)
      expect(stream).toContain('4.44288')
      expect(JSON.parse(list).agents.map((agent: { agentId: string }) => agent.agentId)).toEqual([
        'calculator',
        'weather',
      ])
      expect(unauthenticated).toMatch(/^HTTP\/1.1 401/)
      expect(JSON.parse(ready)).toMatchObject({ status: 'ready' })
      expect(metrics).toContain(
        'switchboard_calls_total{agent="weather",operation="SendMessage"} 1',
      )
      // A mistyped secret: the token endpoint's reason is shown, and no token is set.
      expect(mistyped.stderr).toContain('Unknown client or wrong client secret.')
      expect(mistyped.stdout).toBe('[]\n')
      // The README's Quick start shows them with the default address: all but /health/ready and
      // /metrics, word for word (README: "all of the ones below but the last").
      const readmeCommands = bannerCommands(
        codeBlocks(readmeSection('Quick start'), 'sh').find((block) => block.includes('TOKEN=')) ??
          '',
      )
      const asReadmeShowsThem = commands
        .slice(0, 5)
        .map((command) => command.replaceAll(first.url, 'http://127.0.0.1:3000'))
      expect(readmeCommands.slice(0, 5)).toEqual(asReadmeShowsThem)
    })

    // With EMBEDDER=" " it embeds with its own offline embedder, as with none set, not with the
    // handlers' default, Bedrock, which a laptop cannot reach.
    it('indexes the sample agents with the offline embedder when EMBEDDER is blank, so search finds them', async () => {
      // Act
      const { token } = await tokenFor(first.url, 'demo-client', 'demo-secret-local-only')
      const search = await fetch(`${first.url}/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'Will it rain in Tokyo tomorrow?', topK: 1 }),
      })

      // Assess
      expect(first.output()).not.toContain('agent not indexed')
      expect(search.status).toBe(200)
      expect((await search.json()).results?.[0]?.agentId).toBe('weather')
    })

    it('refuses a second npm start on the same state folder, naming it, while the first keeps running', async () => {
      // Act: on ports of its own (0: free ones), the same state folder as the run
      const child = spawnStart({ SWITCHBOARD_STATE_DIR: stateDir, ...ports })
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += chunk
      })
      const code = await exitCodeWithin(child, 15_000, () => stderr)
      const health = await fetch(`${first.url}/health`)

      // Assess: the line that says why (a warning beside it is no failure).
      expect(code).toBe(1)
      expect(stderr.split('\n')).toContain(
        `npm start failed: the local database in ${join(stateDir, 'db')} is in use by another program (an npm start, or a script such as npm run reindex, on the same SWITCHBOARD_STATE_DIR): stop it, or give this one another SWITCHBOARD_STATE_DIR`,
      )
      expect(health.status).toBe(200)
    })

    it('keeps registrations made through the admin API across a restart, the run stopping cleanly on Ctrl-C', async () => {
      // Prepare
      const backend = await startCardServer()
      backend.serve(validCard(backend.url))
      const register = async (url: string) => {
        const { stdout } = await run('bash', [
          '-c',
          `ADMIN=$(curl -s -X POST ${url}/oauth2/token -d grant_type=client_credentials -d client_id=admin-client -d client_secret=admin-secret-local-only | node -pe 'const r = JSON.parse(require("fs").readFileSync(0)); r.access_token ?? process.exit(console.error(r) ?? 1)')
         curl -s -o /dev/null -w '%{http_code}' ${url}/admin/register -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
           -d '{"agentId":"echo","backendUrl":"${backend.url}","agentCardUrl":"${backend.cardUrl}"}'`,
        ])
        return stdout
      }
      expect(await register(first.url)).toBe('201')
      const exitCode = await stop(first)

      // Act
      // ADMIN_SCOPE left set from an AWS stack's settings: npm start's identity is the seed's,
      // whose admin-client (the sample agents' registration too) holds `admin`, so it is replaced.
      const second = await start({ SWITCHBOARD_STATE_DIR: stateDir, ...ports, ADMIN_SCOPE: 'ops' })
      const again = await register(second.url)
      await stop(second)
      await backend.stop()

      // Assess
      expect(exitCode).toBe(0)
      expect(again).toBe('409')
      const audit = first
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
        .find((entry) => entry.audit?.action === 'agent.register' && entry.audit.target === 'echo')
      expect(audit?.audit).toMatchObject({
        actor: 'admin-client',
        before: null,
        after: { agentId: 'echo' },
      })
      expect(second.output()).not.toContain('POST /admin/register 201')
      // Kept by the journaled store (local/journaled-store.ts), not LevelDB.
      expect(readdirSync(join(stateDir, 'db'))).toContain(journalFile)
    })
  })

  describe('each test its own run', () => {
    // A test that failed or timed out leaves no program running into the next.
    afterEach(stopStarted)

    /** `npm start` on a port known before it listens, chosen just before it starts. */
    const startingOnFreshPort = async () => {
      const port = await closedPort()
      const child = spawnStart({
        POWERTOOLS_LOG_LEVEL: 'WARN',
        SWITCHBOARD_STATE_DIR: stateDir,
        ...ports,
        PORT: String(port),
      })
      return { port, child }
    }

    it('answers a request sent while it is still starting, and says ok on /health once ready', async () => {
      // Prepare
      const { port, child } = await startingOnFreshPort()
      let output = ''
      let errors = ''
      child.stdout?.on('data', (chunk) => {
        output += chunk
      })
      // Said when it stops early (a port taken between its choice and the listen, say).
      child.stderr?.on('data', (chunk) => {
        errors += chunk
      })

      // Act: the first connection the port accepts carries a GET /health at once
      const early = await firstAnswer(port, child)
      while (!/Ready in/.test(output)) {
        if (child.exitCode !== null) {
          throw new Error(`npm start exited (${child.exitCode}): ${output}${errors}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const ready = await fetch(`http://127.0.0.1:${port}/health`)
      child.kill('SIGINT')
      await once(child, 'exit')

      // Assess
      expect(early).toMatch(/^HTTP\/1.1 (503|200) /)
      expect(early).toMatch(/\{"status":"(starting|ok)"\}/)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toEqual({ status: 'ok' })
    })

    it('answers a HEAD /health sent while it is still starting with the GET’s headers, its length included, and no body', async () => {
      // Prepare
      const { port, child } = await startingOnFreshPort()

      // Act: the first connection the port accepts carries a HEAD /health at once (an uptime monitor)
      const early = await firstAnswer(port, child, 'HEAD')
      child.kill('SIGINT')
      await once(child, 'exit')

      // Assess: 503 "starting" or, if it was that quick, 200 "ok": each with the length of its GET's body
      const [head = '', rest] = early.split('\r\n\r\n')
      const status = /^HTTP\/1.1 (503|200) /.exec(head)?.[1]
      const body = status === '503' ? '{"status":"starting"}' : '{"status":"ok"}'
      expect(status).toBeDefined()
      expect(head).toMatch(/^content-type: application\/json$/im)
      expect(head).toMatch(new RegExp(`^content-length: ${Buffer.byteLength(body)}$`, 'im'))
      if (status === '503') expect(head).toMatch(/^retry-after: 1$/im)
      expect(rest).toBe('')
    })

    it('names the port and the variable to change when the port is taken', async () => {
      // Prepare: a port another program holds.
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
      const taken = String((blocker.address() as AddressInfo).port)

      // Act
      const child = spawnStart({ SWITCHBOARD_STATE_DIR: stateDir, ...ports, PORT: taken })
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += chunk
      })
      const code = await exitCodeWithin(child, 15_000, () => stderr).finally(() => blocker.close())

      // Assess: the line that says why (a warning beside it is no failure).
      expect(code).toBe(1)
      expect(stderr.split('\n')).toContain(
        `npm start failed: Port ${taken} on 127.0.0.1 is already in use; set PORT to another port.`,
      )
    })

    it('stops at start, naming a damaged card-signing key, secrets or sample-address file and the way out, rather than say it is ready and fail each card or call', async () => {
      // Prepare: three state folders, each with one file cut short (a private key, a secret, an
      // address), unquoted
      const damaged = {
        'card-signing-key.json': '{"kid":"k","privateJwk":{"d":s3cr3t',
        'secrets.json': '{"arn:aws:secretsmanager:local:000000000000:secret:a":s3cr3t',
        'sample-agents.json': '{"weather":{"backendUrl":s3cr3t',
      }
      const stderrOf = async (file: string, text: string) => {
        const dir = await mkdtemp(join(tmpdir(), 'switchboard-damaged-'))
        await writeFile(join(dir, file), text)
        const child = spawnStart({ SWITCHBOARD_STATE_DIR: dir, ...ports })
        let stderr = ''
        child.stderr?.on('data', (chunk) => {
          stderr += chunk
        })
        const code = await exitCodeWithin(child, 30_000, () => stderr)
        await rm(dir, { recursive: true, force: true })
        return { code, stderr: stderr.replaceAll(dir, '<state>') }
      }

      // Act
      const cardKey = await stderrOf('card-signing-key.json', damaged['card-signing-key.json'])
      const secrets = await stderrOf('secrets.json', damaged['secrets.json'])
      const addresses = await stderrOf('sample-agents.json', damaged['sample-agents.json'])

      // Assess
      expect([cardKey.code, secrets.code, addresses.code]).toEqual([1, 1, 1])
      expect(cardKey.stderr).toContain(
        'npm start failed: the card-signing key file <state>/card-signing-key.json holds no usable key (not JSON): remove it and a new key is made',
      )
      expect(secrets.stderr).toContain(
        'npm start failed: the secrets file <state>/secrets.json cannot be used (not JSON): put back a saved copy, or remove it',
      )
      expect(addresses.stderr).toContain(
        "npm start failed: the sample agents' address file <state>/sample-agents.json cannot be used (not JSON): remove it",
      )
      expect(cardKey.stderr + secrets.stderr + addresses.stderr).not.toContain('s3cr3t')
    })

    it('names SWITCHBOARD_STATE_DIR when it cannot be a folder, not only the mkdir that failed', async () => {
      // Prepare: a file where the state folder should be
      const file = join(stateDir, 'not-a-folder')
      await writeFile(file, '')

      // Act
      const child = spawnStart({ SWITCHBOARD_STATE_DIR: file, ...ports })
      let stderr = ''
      child.stderr?.on('data', (chunk) => {
        stderr += chunk
      })
      const code = await exitCodeWithin(child, 15_000, () => stderr)

      // Assess
      expect(code).toBe(1)
      expect(stderr.split('\n')).toContain(
        `npm start failed: SWITCHBOARD_STATE_DIR=${file} cannot be the state folder (ENOTDIR: not a directory, mkdir '${file}/db'): set it to a folder this user may write, or unset it (.switchboard).`,
      )
    })

    // Three starts of npm start's program, one after another.
    it('re-embeds every agent when it starts with another embedder, and only then', async () => {
      // Prepare: a start with the offline model, then one pointed at an embedding server
      const dir = await mkdtemp(join(tmpdir(), 'switchboard-reembed-'))
      const server = await startEmbeddingServer(new HashingEmbedder(256))
      const openai = {
        EMBEDDER: 'openai',
        EMBEDDING_URL: server.url,
        EMBEDDING_MODEL: 'stand-in',
        EMBEDDING_DIMENSION: '256',
      }
      const vectorsFile = async () =>
        JSON.parse(await readFile(join(dir, 'vectors.json'), 'utf8')) as {
          embedder: unknown
          vectors: { key: string; vector: number[] }[]
        }
      // The sample agents where they were at each start: agents that moved are registered again
      // where they are now (their cards read and embedded again), which is no unchanged start.
      const weatherPort = await portKeptFree()
      const samePorts = {
        PORT: '0',
        WEATHER_AGENT_PORT: String(weatherPort),
        CALCULATOR_AGENT_PORT: String(await portKeptFree(weatherPort)),
      }
      await stop(await start({ SWITCHBOARD_STATE_DIR: dir, ...samePorts, EMBEDDER: 'local' }))
      const before = await vectorsFile()

      // Act
      const switched = await start({ SWITCHBOARD_STATE_DIR: dir, ...samePorts, ...openai })
      await stop(switched)
      const embeddedAtSwitch = server.requests.flatMap(({ body }) => body.input as string[])
      const after = await vectorsFile()
      server.requests.length = 0
      const unchanged = await start({ SWITCHBOARD_STATE_DIR: dir, ...samePorts, ...openai })
      await stop(unchanged)
      await server.stop()
      await rm(dir, { recursive: true, force: true })

      // Assess
      expect(before.embedder).toEqual({ kind: 'local', model: 'local', dimension: 1024 })
      expect(switched.output()).toContain('Search index re-embedded with openai (256 dimensions).')
      // Each agent's card text, its first line its name.
      expect(embeddedAtSwitch.map((text) => text.split('\n')[0]).sort()).toEqual([
        'Calculator',
        'Weather',
      ])
      expect(after.embedder).toEqual({ kind: 'openai', model: 'stand-in', dimension: 256 })
      expect(after.vectors.map(({ key }) => key).sort()).toEqual(['calculator', 'weather'])
      expect(after.vectors.every(({ vector }) => vector.length === 256)).toBe(true)
      expect(unchanged.output()).not.toContain('re-embedded')
      expect(server.requests).toEqual([])
    }, 90_000)
  })
})
