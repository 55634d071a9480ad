import {
  IdempotencyItemNotFoundError,
  IdempotencyPersistenceLayerError,
} from '@aws-lambda-powertools/idempotency'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { replayedAnswer, storedAnswer } from '../lib/http/stored-answer.ts'
import type { LogMethods } from '../lib/log-methods.ts'
import { checkOptions, optionRules } from '../lib/options.ts'

/** How often a record that vanished between Powertools' put and get is looked for again. */
const vanishedRecordRetries = 3

const ownerKey = 'idempotentRequest.owner'
type Internal = { [ownerKey]?: boolean }
type IdempotentRequest = Request<unknown, unknown, Error, Context, Internal>

/**
 * Powertools' `makeHandlerIdempotent`, except that only the request that
 * acquired the idempotency record may delete it.
 *
 * Powertools 2.35's middleware deletes the record in `onError` whatever failed,
 * its own `before` included: a request refused as a payload mismatch
 * (IdempotencyValidationError) erased the completed record it was compared
 * with, and a duplicate refused as in progress erased the running request's
 * lock (aws-powertools/powertools-lambda-typescript#5675, fixed upstream by
 * #5676 and not yet released). Here `before` marks the request as owner only
 * when it acquired the record, `after` gives ownership up before the result is
 * saved, and `onError` deletes only for an owner.
 *
 * An answer past what a DynamoDB item holds is kept gzipped (lib/http/stored-answer.ts), so its
 * retry replays it rather than meeting the record in progress until it lapses.
 *
 * A result that cannot be saved (the table throttled or unanswered) is still
 * answered: the change is made, and an error answer would send the caller to
 * retry a change that is done. It is logged instead.
 *
 * A record that exists when Powertools' conditional put fails but is gone when
 * it reads it back (its owner failed and deleted it meanwhile) is an
 * IdempotencyItemNotFoundError there; here the request tries again, as
 * Powertools does for its own IdempotencyInconsistentStateError.
 *
 * @example
 * middy().use(idempotentRequest({ persistenceStore, config })).handler(register)
 */
export const idempotentRequest = (
  options: IdempotencyLambdaHandlerOptions,
  saving: { logger?: LogMethods<'error'> } = {},
): MiddlewareObj<unknown, unknown, Error, Context, Internal> => {
  checkOptions('idempotentRequest', saving, { logger: optionRules.methods('error').optional() }, '')
  const { logger } = saving
  const powertools = makeHandlerIdempotent(options) as Required<
    MiddlewareObj<unknown, unknown, Error, Context, Internal>
  >

  const idempotentRequestMiddlewareBefore = async (request: IdempotentRequest) => {
    request.internal[ownerKey] = false
    for (let attempt = 0; ; attempt++) {
      try {
        const replay = await powertools.before(request)
        // A stored answer is replayed; otherwise this request holds the record (or has no key).
        request.internal[ownerKey] = replay === undefined
        return replayedAnswer(replay)
      } catch (error) {
        if (!(error instanceof IdempotencyItemNotFoundError) || attempt >= vanishedRecordRetries) {
          throw error
        }
      }
    }
  }

  const idempotentRequestMiddlewareAfter = async (request: IdempotentRequest) => {
    // Saving the result is not the handler failing: a failed save must not delete the record.
    request.internal[ownerKey] = false
    const answer = request.response
    // Kept in a form DynamoDB's 400 KB item holds (storedAnswer); the answer goes out as it is.
    request.response = storedAnswer(answer)
    try {
      await powertools.after(request)
    } catch (error) {
      if (!(error instanceof IdempotencyPersistenceLayerError)) throw error
      // The change is made: answered as made, never as a failure its retry could not mend (the
      // record stays in progress until it lapses, so a retry meanwhile is a 409, not a rerun).
      logger?.error('idempotency record not saved; the answer goes out unsaved', { error })
    } finally {
      request.response = answer
    }
  }

  const idempotentRequestMiddlewareOnError = async (request: IdempotentRequest) => {
    if (request.internal[ownerKey] !== true) return
    request.internal[ownerKey] = false
    await powertools.onError(request)
  }

  return {
    before: idempotentRequestMiddlewareBefore,
    after: idempotentRequestMiddlewareAfter,
    onError: idempotentRequestMiddlewareOnError,
  }
}
