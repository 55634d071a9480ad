import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import {
  type AuditEntry,
  type AuditSink,
  auditedChange,
  NothingChanged,
  redactSecrets,
} from '../../../lib/admin/audit.ts'
import {
  AgentDeleteUnfinishedError,
  AgentNotFoundError,
  ClientDeleteUnfinishedError,
  DependencyUnavailableError,
} from '../../../lib/errors.ts'

const memorySink = () => {
  const entries: AuditEntry[] = []
  const sink: AuditSink = {
    record: async (entry) => {
      entries.push(entry)
    },
  }
  return { sink, entries }
}

const actor = { principal: 'admin-client', clientId: 'admin-client' }
const at = () => new Date('2026-12-04T20:00:00.000Z')

describe('the audit trail of an admin change', () => {
  it('records who changed what, and the record before and after, through its sink', async () => {
    // Prepare
    const { sink, entries } = memorySink()

    // Act
    const { after } = await auditedChange(
      sink,
      { action: 'agent.register', actor, target: 'echo', requestId: 'request-1' },
      async () => ({ before: undefined, after: { agentId: 'echo' } }),
      at,
    )

    // Assess
    expect(after).toEqual({ agentId: 'echo' })
    expect(entries).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        action: 'agent.register',
        actor: 'admin-client',
        clientId: 'admin-client',
        target: 'echo',
        agentId: 'echo',
        requestId: 'request-1',
        at: '2026-12-04T20:00:00.000Z',
        before: null,
        after: { agentId: 'echo' },
      },
    ])
  })

  it('records nothing when the change fails', async () => {
    // Prepare
    const { sink, entries } = memorySink()

    // Act
    const change = auditedChange(sink, { action: 'agent.delete', actor, target: 'gone' }, () =>
      Promise.reject(new Error('no such agent')),
    )

    // Assess
    await expect(change).rejects.toThrow('no such agent')
    expect(entries).toEqual([])
  })

  it('records what a change that stopped part-way left standing, and still fails with its error', async () => {
    // Prepare
    const withdrawn: string[] = []
    const { sink, entries } = memorySink()
    const stopped = new AgentDeleteUnfinishedError('echo', 'removing its search vectors', {
      cause: new Error('ServiceUnavailableException'),
    })
    stopped.made = {
      before: { agentId: 'echo', status: 'active' },
      after: { agentId: 'echo', status: 'deleting' },
    }

    // Act
    const change = auditedChange(
      { ...sink, withdraw: async (intent) => void withdrawn.push(intent.id) },
      { action: 'agent.delete', actor, target: 'echo' },
      () => Promise.reject(stopped),
      at,
    )

    // Assess
    await expect(change).rejects.toBe(stopped)
    expect(withdrawn).toEqual([])
    expect(entries).toMatchObject([
      {
        action: 'agent.delete',
        agentId: 'echo',
        before: { status: 'active' },
        after: { status: 'deleting' },
      },
    ])
  })

  it('records a failed client delete as the revocation it made, which stays', async () => {
    // Prepare
    const { sink, entries } = memorySink()
    const stopped = new ClientDeleteUnfinishedError('reports-app', {
      cause: new Error('throttled'),
    })
    stopped.made = {
      action: 'client.revoke-tokens',
      before: null,
      after: { clientId: 'reports-app', tokensIssuedBefore: '2026-12-06T03:00:01.000Z' },
    }

    // Act
    const change = auditedChange(
      sink,
      { action: 'client.delete', actor, target: 'reports-app' },
      () => Promise.reject(stopped),
      at,
    )

    // Assess
    await expect(change).rejects.toBe(stopped)
    expect(entries).toMatchObject([
      {
        action: 'client.revoke-tokens',
        target: 'reports-app',
        after: { tokensIssuedBefore: '2026-12-06T03:00:01.000Z' },
      },
    ])
  })

  it('redacts secret values in before and after, keeping references to secrets', async () => {
    // Prepare
    const { sink, entries } = memorySink()

    // Act
    const { after } = await auditedChange(
      sink,
      { action: 'client.rotate-secret', actor, target: 'c1' },
      async () => ({
        before: { clientId: 'c1', auth: { apiKey: 'k1', secretArn: 'arn:s' } },
        after: { clientId: 'c1', clientSecret: 's3cr3t', nested: [{ password: 'p' }] },
      }),
      at,
    )

    // Assess
    expect(after).toEqual({ clientId: 'c1', clientSecret: 's3cr3t', nested: [{ password: 'p' }] })
    expect(entries[0]?.before).toEqual({
      clientId: 'c1',
      auth: { apiKey: '[redacted]', secretArn: 'arn:s' },
    })
    expect(entries[0]?.after).toEqual({
      clientId: 'c1',
      clientSecret: '[redacted]',
      nested: [{ password: '[redacted]' }],
    })
    expect(entries[0]?.agentId).toBeUndefined()
    expect(redactSecrets({ tokenUrl: 'https://t', accessToken: null })).toEqual({
      tokenUrl: 'https://t',
      accessToken: null,
    })
  })

  it('redacts the query values of every URL, where a backend may take its key', () => {
    // Act
    const kept = redactSecrets({
      backendUrl: 'http://127.0.0.1:4420/rpc?code=URLKEY-1&v=2#part',
      agentCardUrl: 'https://a.example/.well-known/agent-card.json',
      card: { supportedInterfaces: [{ url: 'https://a.example/rpc?sig=abc&flag' }] },
      description: 'not a URL? code=stays',
    })

    // Assess: the names kept, so an operator sees what the URL carries
    expect(kept).toEqual({
      backendUrl: 'http://127.0.0.1:4420/rpc?code=[redacted]&v=[redacted]#[redacted]',
      agentCardUrl: 'https://a.example/.well-known/agent-card.json',
      card: { supportedInterfaces: [{ url: 'https://a.example/rpc?sig=[redacted]&[redacted]' }] },
      description: 'not a URL? code=stays',
    })
  })

  it.each([
    ['a bare key', 'http://127.0.0.1:4511/?SEKRITBARE', 'http://127.0.0.1:4511/?[redacted]'],
    [
      'a second ?',
      'https://f.example/a?code=k1?sig=Z&x=1',
      'https://f.example/a?code=[redacted]&x=[redacted]',
    ],
    [
      'a token in the fragment',
      'https://f.example/a#access_token=T1',
      'https://f.example/a#access_token=[redacted]',
    ],
    ['an upper-case scheme', 'HTTPS://F.EXAMPLE/a?code=k1', 'HTTPS://F.EXAMPLE/a?code=[redacted]'],
    [
      'a URL ending a sentence, in brackets, or inside escaped JSON',
      'see (https://a.example/x?code=k1). Then {"u":"https://a.example/?x=1\\"}',
      'see (https://a.example/x?code=[redacted]). Then {"u":"https://a.example/?x=[redacted]\\"}',
    ],
    [
      'a value made of closing characters',
      'https://a.example/?token=!!!',
      'https://a.example/?token=[redacted]',
    ],
    [
      'a URL inside a message',
      "The backend https://f.example/a?code=k1 answered 401; 'https://g.example/?k' too",
      "The backend https://f.example/a?code=[redacted] answered 401; 'https://g.example/?[redacted]' too",
    ],
  ])('redacts %s', (_what, text, expected) => {
    // Act
    const kept = redactSecrets({ detail: text })

    // Assess
    expect(kept).toEqual({ detail: expected })
  })

  it('redacts a URL followed by a long run of punctuation in one pass, not one per character', () => {
    // Prepare: a card's description as an agent may write it (cards may be 256 KiB)
    const description = `see https://a.example/?code=k1${')'.repeat(200_000)}x`

    // Act
    const kept = redactSecrets({ card: { description } }) as { card: { description: string } }

    // Assess: the run is part of the value, redacted with it (a quadratic scan took 23 s here)
    expect(kept.card.description).toBe('see https://a.example/?code=[redacted]')
  })

  it('makes no change when the sink cannot write its intent, and withdraws the intent of a change refused', async () => {
    // Prepare
    const made: string[] = []
    const withdrawn: string[] = []
    const refusing: AuditSink = {
      intend: () => Promise.reject(new Error('audit table missing')),
      record: async () => undefined,
    }
    const withdrawing: AuditSink = {
      intend: async () => undefined,
      record: async () => undefined,
      withdraw: async (intent) => {
        withdrawn.push(intent.target)
      },
    }

    // Act
    const refused = auditedChange(refusing, { action: 'agent.delete', actor, target: 'a' }, () => {
      made.push('a')
      return Promise.resolve({ before: null, after: null })
    })
    const failed = auditedChange(withdrawing, { action: 'agent.delete', actor, target: 'b' }, () =>
      Promise.reject(new AgentNotFoundError('b')),
    )
    const invalid = auditedChange(
      withdrawing,
      { action: 'agent.register', actor, target: 'c' },
      () => Promise.resolve(z.string().parse(1)).then(() => ({ before: null, after: null })),
    )
    const empty = auditedChange(withdrawing, { action: 'permission.put', actor, target: 'd' }, () =>
      Promise.reject(new NothingChanged()),
    )
    const inProgress = Object.assign(new Error('A client is being created with this key'), {
      name: 'IdempotencyAlreadyInProgressError',
    })
    const busyKey = auditedChange(
      withdrawing,
      { action: 'client.create', actor, target: 'e' },
      () => Promise.reject(inProgress),
    )

    // Assess
    await Promise.all([
      expect(refused).rejects.toThrow('audit table missing'),
      expect(failed).rejects.toBeInstanceOf(AgentNotFoundError),
      expect(invalid).rejects.toBeInstanceOf(z.ZodError),
      expect(empty).rejects.toBeInstanceOf(NothingChanged),
      expect(busyKey).rejects.toBe(inProgress),
    ])
    expect(made).toEqual([])
    expect(withdrawn.sort()).toEqual(['b', 'c', 'd', 'e'])
  })

  it('leaves the intent pending, neither withdrawn nor recorded, when the change failed in a way that may follow part of it', async () => {
    // Prepare
    const withdrawn: string[] = []
    const { sink, entries } = memorySink()
    const lostAnswer = Object.assign(new Error('DynamoDB sent nothing for 3000 ms'), {
      name: 'TimeoutError',
    })

    // A dependency unavailable on a step after a write (a permission's check read after its put)
    const unavailable = new DependencyUnavailableError({ cause: lostAnswer })
    const pendingSink = {
      ...sink,
      intend: async () => undefined,
      withdraw: async (intent: { id: string }) => void withdrawn.push(intent.id),
    }

    // Act
    const failed = auditedChange(
      pendingSink,
      { action: 'client.revoke-tokens', actor, target: 'demo-client' },
      () => Promise.reject(lostAnswer),
    )
    const stopped = auditedChange(
      pendingSink,
      { action: 'permission.put', actor, target: 'weather:invoke' },
      () => Promise.reject(unavailable),
    )

    // Assess
    await expect(failed).rejects.toBe(lostAnswer)
    await expect(stopped).rejects.toBe(unavailable)
    expect(withdrawn).toEqual([])
    expect(entries).toEqual([])
  })
})
