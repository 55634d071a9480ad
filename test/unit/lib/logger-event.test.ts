import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../../lib/observability/logger.ts'
import { captureOutput } from '../../support/captured-output.ts'

describe('the gateway’s logger and the invocation event', () => {
  afterEach(() => {
    vi.restoreAllMocks()
    vi.unstubAllEnvs()
  })

  it.each([
    ['the logger', () => createLogger()],
    ['a child of it', () => createLogger().createChild({ persistentKeys: { part: 'child' } })],
  ])('never writes the event from %s, even when asked to', (_which, make) => {
    // Prepare
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true')
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO')
    const written = captureOutput()
    const logger = make()

    // Act
    logger.logEventIfEnabled({ headers: { authorization: 'Bearer a-callers-token' } }, true)
    logger.info('still logging')

    // Assess
    const output = written.join('')
    expect(output).toContain('still logging')
    expect(output).not.toContain('a-callers-token')
  })
})
