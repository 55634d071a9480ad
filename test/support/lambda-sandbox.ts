import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The user Lambda's code runs as is no root; here, `nobody`. */
const unprivileged = '65534'

/** What one invocation in the sandbox gave (test/support/lambda-runtime.mjs reports it). */
export interface SandboxOutcome {
  /** Whether the export carries the runtime's response-streaming mark. */
  streaming?: boolean
  /** A buffered handler's answer. */
  result?: unknown
  /** A streaming handler's prelude (status, headers) and body. */
  prelude?: { statusCode?: number; headers?: Record<string, string> }
  body?: string
  /** What the import or the invocation threw. */
  error?: string
}

export interface SandboxRun {
  outcome: SandboxOutcome
  /** Whatever the function left in /tmp or /dev/shm, the only places it could write. */
  leftBehind: string[]
  /** The function's own output (its log lines). */
  stdout: string
  stderr: string
}

/**
 * Why this machine cannot hold a Lambda sandbox (mount namespaces need root, `unshare` and
 * `setpriv` from util-linux, and a kernel that allows them), or undefined when it can.
 */
export const sandboxUnavailable = async (): Promise<string | undefined> => {
  if (process.platform !== 'linux') return 'mount namespaces are Linux only'
  if (process.getuid?.() !== 0) return 'a mount namespace needs root'
  try {
    await run('setpriv', ['--version'])
    await run('unshare', ['-m', '--propagation', 'private', 'true'])
  } catch (error) {
    return `no mount namespace here (unshare -m, setpriv): ${(error as Error).message}`
  }
  return undefined
}

// Lambda's file system, as far as code sees it: its code read-only in /var/task, the runtime in
// /var/runtime, an empty writable /tmp (512 MB by default), nothing else writable by its user.
// The host's /var is hidden behind a read-only tmpfs, /tmp and /dev/shm behind fresh ones; Node
// itself is copied in when it lives under one of them.
const sandboxScript = `
set -e
code="$1"; runtime="$2"; event="$3"; node="$4"; shift 4
mount -t tmpfs -o mode=755 tmpfs /var
mkdir -p /var/task /var/runtime /var/lang/bin
if [ -d "$code" ]; then cp -R "$code"/. /var/task/; else cp "$code" /var/task/; fi
cp "$runtime" /var/runtime/index.mjs
cp "$event" /var/runtime/event.json
case "$node" in /var/*|/tmp/*) cp "$node" /var/lang/bin/node; node=/var/lang/bin/node ;; esac
mount -o remount,ro /var
mount -t tmpfs -o size=512m,mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
cd /var/task
status=0
setpriv --reuid=${unprivileged} --regid=${unprivileged} --clear-groups env -i "$@" "$node" /var/runtime/index.mjs || status=$?
echo "LAMBDA-LEFT-BEHIND $(find /tmp /dev/shm -mindepth 1 | tr '\\n' ' ')"
exit $status
`

/** The variables Lambda itself sets for a Node.js 24 function (no HOME, no NODE_OPTIONS). */
export const lambdaRuntimeEnvironment = (functionName: string, handler: string) => ({
  PATH: '/var/lang/bin:/usr/local/bin:/usr/bin:/bin',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  _HANDLER: handler,
  LAMBDA_TASK_ROOT: '/var/task',
  LAMBDA_RUNTIME_DIR: '/var/runtime',
  NODE_PATH:
    '/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
  AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'session-token',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
})

/**
 * Runs one invocation of a function's code as Lambda would: in a mount namespace where the code
 * (`code`: the folder or file its zip holds) is read-only at /var/task and only a fresh /tmp is
 * writable, as an unprivileged user, its working directory /var/task, its environment only
 * `environment` (Lambda's own and the function's: no HOME, no NODE_OPTIONS). Call
 * `sandboxUnavailable` first.
 */
export const runInLambdaSandbox = async (options: {
  code: string
  environment: Record<string, string>
  event: unknown
}): Promise<SandboxRun> => {
  const scratch = await mkdtemp(join(tmpdir(), 'switchboard-lambda-sandbox-'))
  try {
    const eventFile = join(scratch, 'event.json')
    await writeFile(eventFile, JSON.stringify(options.event))
    const variables = Object.entries(options.environment).map(([name, value]) => `${name}=${value}`)
    const { stdout, stderr } = await run(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        sandboxScript,
        'sandbox',
        options.code,
        join(import.meta.dirname, 'lambda-runtime.mjs'),
        eventFile,
        process.execPath,
        ...variables,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    )
    const outcome = /^LAMBDA-OUTCOME (.*)$/m.exec(stdout)?.[1]
    if (!outcome) throw new Error(`the sandbox reported no outcome:\n${stdout}\n${stderr}`)
    const left = /^LAMBDA-LEFT-BEHIND (.*)$/m.exec(stdout)?.[1] ?? ''
    return {
      outcome: JSON.parse(outcome) as SandboxOutcome,
      leftBehind: left.split(' ').filter(Boolean),
      stdout,
      stderr,
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
