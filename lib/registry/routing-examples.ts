import * as z from 'zod'

/** How many routing examples an agent may have, and how long each may be. */
export const routingExampleLimits = { count: 50, characters: 500 } as const

/**
 * Phrases users actually say to this agent, each indexed as another vector of
 * it for search and `/route`. Blank ones are refused and repeats counted once.
 */
export const routingExamplesSchema = z
  .array(
    z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'must not be blank')
      .max(
        routingExampleLimits.characters,
        `must be at most ${routingExampleLimits.characters} characters`,
      ),
    { error: 'must be a list of phrases' },
  )
  .max(routingExampleLimits.count, `must hold at most ${routingExampleLimits.count} phrases`)
  .transform((examples) => [...new Set(examples)])
