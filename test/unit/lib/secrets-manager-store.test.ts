import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager'
import { describe, expect, it, vi } from 'vitest'
import { SecretAccessDeniedError } from '../../../lib/errors.ts'
import { SecretsManagerStore } from '../../../lib/secrets/secrets-manager-store.ts'

describe('Secrets Manager store (contract)', () => {
  it('creates a secret with the value and returns the ARN AWS gives it', async () => {
    // Prepare
    const send = vi.fn(async () => ({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf' }))
    const store = new SecretsManagerStore({ send } as never)

    // Act
    const arn = await store.create('switchboard/agents/billing/1', 's3cret')

    // Assess
    expect(arn).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf')
    const [command] = send.mock.calls[0] as unknown as [CreateSecretCommand]
    expect(command).toBeInstanceOf(CreateSecretCommand)
    expect(command.input).toMatchObject({
      Name: 'switchboard/agents/billing/1',
      SecretString: 's3cret',
    })
  })

  it('tags a new secret with the tags given, besides managed-by', async () => {
    // Prepare
    const send = vi.fn(async () => ({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf' }))
    const store = new SecretsManagerStore({ send } as never)

    // Act
    await store.create('switchboard/agents/billing/1', 's3cret', {
      'switchboard:agent-id': 'billing',
    })

    // Assess
    const [command] = send.mock.calls[0] as unknown as [CreateSecretCommand]
    expect(command.input.Tags).toEqual([
      { Key: 'managed-by', Value: 'switchboard' },
      { Key: 'switchboard:agent-id', Value: 'billing' },
    ])
  })

  it('describes a secret by its name and tags, never reading its value', async () => {
    // Prepare
    const send = vi.fn(async () => ({
      ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:ops/key-AbCdEf',
      Name: 'ops/key',
      Tags: [
        { Key: 'switchboard:agent-id', Value: 'billing' },
        { Key: 'team', Value: 'payments' },
      ],
    }))
    const store = new SecretsManagerStore({ send } as never)

    // Act
    const described = await store.describe(
      'arn:aws:secretsmanager:eu-west-1:1:secret:ops/key-AbCdEf',
    )

    // Assess
    const [command] = send.mock.calls[0] as unknown as [DescribeSecretCommand]
    expect(command).toBeInstanceOf(DescribeSecretCommand)
    expect(command.input).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:ops/key-AbCdEf',
    })
    expect(described).toEqual({
      name: 'ops/key',
      tags: { 'switchboard:agent-id': 'billing', team: 'payments' },
    })
  })

  it('describes a secret that does not exist, or is scheduled for deletion, as none', async () => {
    // Prepare
    const send = vi
      .fn()
      .mockRejectedValueOnce(new ResourceNotFoundException({ message: 'gone', $metadata: {} }))
      .mockResolvedValueOnce({ Name: 'ops/key', DeletedDate: new Date('2026-01-01T00:00:00Z') })
    const store = new SecretsManagerStore({ send } as never)

    // Act
    const missing = await store.describe('arn:aws:secretsmanager:eu-west-1:1:secret:none-AbCdEf')
    const deleting = await store.describe(
      'arn:aws:secretsmanager:eu-west-1:1:secret:ops/key-AbCdEf',
    )

    // Assess
    expect([missing, deleting]).toEqual([undefined, undefined])
  })

  it('refuses, as the gateway may not see it, a secret its role is denied', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform DescribeSecret'), {
      name: 'AccessDeniedException',
    })
    const store = new SecretsManagerStore({ send: vi.fn().mockRejectedValue(denied) } as never)

    // Act
    const describing = store.describe('arn:aws:secretsmanager:eu-west-1:1:secret:other-AbCdEf')

    // Assess
    await expect(describing).rejects.toBeInstanceOf(SecretAccessDeniedError)
  })

  it('passes on a failure to describe other than not found', async () => {
    // Prepare
    const store = new SecretsManagerStore({
      send: vi.fn().mockRejectedValue(new Error('AccessDenied')),
    } as never)

    // Assess
    await expect(store.describe('arn:aws:secretsmanager:eu-west-1:1:secret:x')).rejects.toThrow(
      'AccessDenied',
    )
  })

  it('encrypts a new secret with the configured KMS key', async () => {
    // Prepare
    const send = vi.fn(async () => ({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf' }))
    const kmsKeyId = 'arn:aws:kms:eu-west-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab'
    const store = new SecretsManagerStore({ send } as never, { kmsKeyId })

    // Act
    await store.create('switchboard/agents/billing/1', 's3cret')

    // Assess
    const [command] = send.mock.calls[0] as unknown as [CreateSecretCommand]
    expect(command.input.KmsKeyId).toBe(kmsKeyId)
  })

  it('deletes without a recovery window, and treats a secret already gone as deleted', async () => {
    // Prepare
    const send = vi
      .fn()
      .mockResolvedValueOnce({})
      .mockRejectedValueOnce(new ResourceNotFoundException({ message: 'gone', $metadata: {} }))
    const store = new SecretsManagerStore({ send } as never)

    // Act
    await store.delete('arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf')
    await store.delete('arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf')

    // Assess
    const [command] = send.mock.calls[0] as [DeleteSecretCommand]
    expect(command).toBeInstanceOf(DeleteSecretCommand)
    expect(command.input).toEqual({
      SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:x-AbCdEf',
      ForceDeleteWithoutRecovery: true,
    })
  })

  it('passes any other failure on', async () => {
    // Prepare
    const store = new SecretsManagerStore({
      send: vi.fn().mockRejectedValue(new Error('AccessDenied')),
    } as never)

    // Assess
    await expect(store.delete('arn:aws:secretsmanager:eu-west-1:1:secret:x')).rejects.toThrow(
      'AccessDenied',
    )
  })
})
