/**
 * The most a unary answer may carry, in bytes: API Gateway's payload limit, so a larger one could
 * not reach the caller anyway. An answer the gateway writes anew (translated, its push configs
 * shown, its task list filtered, a skill's result, an extended card rewritten) is held to it too,
 * measured once built: translation adds members and wraps answers, and the rest write each number
 * back as JSON writes it (`1e20` as 21 digits), so an answer may grow.
 */
export const maxUnaryAnswerBytes = 10 * 1024 * 1024
