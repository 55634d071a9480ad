import type * as z from 'zod'

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
   * The request cannot be answered yet: the task waits in `input-required`
   * with `question` as its status message, and the caller's reply (same
   * `taskId`) continues it.
   */
  | { ok: 'input-required'; question: string }

/** What a running skill may use besides its input. */
export interface SkillWork {
  /** Aborted when the caller cancels the task; long work checks it and stops. */
  signal: AbortSignal
  /** Whether the caller sent a structured call (a data part) rather than text. */
  structured: boolean
  /** Reports progress while working: a `working` status update with this text (and data). */
  progress(text: string, data?: Record<string, unknown>): void
}

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
  /**
   * Reads a plain-text request into the same input a structured call gives.
   * `earlier` holds the caller's earlier messages of the same task, oldest
   * first, when the task is a conversation the caller continues.
   */
  inputFromText(text: string, earlier?: string[]): Input
  /** The short status text shown while working, e.g. "Looking up Berlin…". */
  workingMessage(input: Input): string
  run(input: Input, work?: SkillWork): SkillResult | Promise<SkillResult>
}
