import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningStack, startThrowawayStack } from '../../local/stack.ts'
import { closedPort } from '../support/card-server.ts'
import { readmeSection, repositoryRoot } from '../support/readme.ts'

/**
 * The README's push example (*A2A through the gateway*, "To watch it"): a webhook that prints,
 * then a SendMessage asking for pushes. It sits in a list item, indented, where the README's
 * other tests do not look for blocks.
 */
const pushExample = () => {
  const blocks = [
    ...readmeSection('A2A through the gateway').matchAll(/^ {2}```sh\n([\s\S]*?)^ {2}```$/gm),
  ].map((match) => (match[1] as string).replace(/^ {2}/gm, ''))
  const found = blocks.filter((block) => block.includes('listen(9000)'))
  expect(found).toHaveLength(1)
  return found[0] as string
}

describe("the README's push example", () => {
  let stack: RunningStack
  let shell: ChildProcess | undefined

  beforeAll(async () => {
    stack = await startThrowawayStack()
  })

  afterAll(async () => {
    if (shell?.pid !== undefined) {
      // The block's webhook runs on in the background, as it does in a reader's terminal: its
      // process group (npx, node) is stopped here.
      try {
        process.kill(-shell.pid, 'SIGTERM')
      } catch {
        // Already gone.
      }
    }
    await stack?.stop()
  })

  it("prints the agent's pushes about the task the message started, as written with the Quick start's TOKEN", async () => {
    // Prepare: the README's addresses replaced with this stack's, and the webhook on a free port
    const webhookPort = await closedPort()
    const script = pushExample()
      .replaceAll('http://127.0.0.1:3000', stack.url)
      .replaceAll('9000', String(webhookPort))
    let output = ''

    // Act
    shell = spawn('bash', ['-c', script], {
      cwd: repositoryRoot,
      detached: true,
      env: { ...process.env, TOKEN: await stack.token('demo-client') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    shell.stdout?.on('data', (chunk) => {
      output += chunk
    })
    shell.stderr?.on('data', (chunk) => {
      output += chunk
    })
    // The answer ends with no newline, as curl prints it: the first push follows on its line.
    const lines = () =>
      output
        .replaceAll('}{', '}\n{')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line))
    const completedPush = () =>
      lines().find((line) => line.statusUpdate?.status?.state === 'TASK_STATE_COMPLETED')
    await expect.poll(completedPush, { timeout: 30_000, interval: 100 }).toBeDefined()
    const exited = shell.exitCode === null ? once(shell, 'exit') : Promise.resolve()
    process.kill(-(shell.pid as number), 'SIGTERM')
    await exited

    // Assess: the SendMessage's answer, then the agent's pushes about its task, reaching the webhook
    const answer = lines().find((line) => line.jsonrpc === '2.0')
    expect(answer?.result?.task?.id).toEqual(expect.any(String))
    expect(completedPush().statusUpdate.taskId).toBe(answer.result.task.id)
  }, 60_000)
})
