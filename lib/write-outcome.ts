/**
 * What a failed write's error says of the write. AWS answers a request it refuses for the
 * caller's fault (a failed condition, a bad input, throttling, a missing table) with a 4xx,
 * `$fault: 'client'`, having written nothing. Any other failure (a timeout, a reset
 * connection, a 5xx) may come after the service carried the write out; so may a refusal after
 * more than one attempt, since an earlier attempt (cut, and retried) may have landed.
 */
export const mayHaveLanded = (error: unknown): boolean => {
  const { $fault, $metadata } = (error ?? {}) as {
    $fault?: unknown
    $metadata?: { attempts?: number }
  }
  return $fault !== 'client' || ($metadata?.attempts ?? 1) > 1
}

const unconfirmed = new WeakSet<object>()

/** Marks the error of a write that may have landed and could not be read back to tell. */
export const markUnconfirmed = <E>(error: E): E => {
  if (typeof error === 'object' && error !== null) unconfirmed.add(error)
  return error
}

/** Whether `error` is a write's whose outcome nobody knows: what it wrote may be in use. */
export const isUnconfirmedWrite = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && unconfirmed.has(error)
