import type { z } from 'zod'

/** What a skill produced for one request. */
export type SkillResult =
  | {
      ok: true
      /**
       * The answer text in the pieces it is streamed in. Joined without a
       * separator they read as the whole answer, so each piece carries its own
       * spaces and line breaks.
       */
      textChunks: string[]
      /** The structured result, sent as a data part when the caller sent structured input. */
      data: Record<string, unknown>
    }
  | { ok: false; problem: string }

/**
 * One A2A skill, free of any transport: the executor turns a message into an
 * `Input` (from text, or from a data part validated by `inputSchema`) and
 * publishes what `run` returns as task events.
 */
export interface Skill<Input> {
  /** The skill id on the agent card; a data part naming another skill is refused. */
  id: string
  /** Validates a structured call (the value of a data part). */
  inputSchema: z.ZodType<Input>
  /** A structured call that works, quoted in error messages. */
  inputExample: Record<string, unknown>
  /** Reads a plain-text request into the same input a structured call gives. */
  inputFromText(text: string): Input
  /** The short status text shown while working, e.g. "Looking up Berlin…". */
  workingMessage(input: Input): string
  run(input: Input): SkillResult
}
