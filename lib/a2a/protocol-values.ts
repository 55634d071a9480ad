import type { AGENT_CARD_PATH, Role as SdkRole, TaskState as SdkTaskState } from '@a2a-js/sdk'
import { asNumber } from '../json-kept-numbers.ts'

// The few values of @a2a-js/sdk's main module the gateway's functions read at every call,
// written out. That module imports jose's index (for its card signing), and esbuild puts the
// parts of a file any entry uses in a chunk loaded by every entry that reaches the file: through
// it, the jose code the lazily imported token verifier uses was loaded at the agents function's
// start, a twentieth of it, where only a granted card's route verifies a token. Each is typed by
// the SDK's own, so `tsc` fails the day a value drifts from it (and
// test/unit/lib/protocol-values.test.ts compares them whole). `enumName` below reads one of
// these enums by name or number; it is here, not with the version translators that use it too,
// so that a skill call (skill-call.ts) does not load them with it.

/** Where an agent serves its card, below its base URL (A2A 1.0's well-known URI). */
export const agentCardPath: typeof AGENT_CARD_PATH = '.well-known/agent-card.json'

type ValuesOf<Enum> = { readonly [Name in keyof Enum]: Enum[Name] }

/** Who sent a message (the proto enum `Role`), by name. */
export const Role: ValuesOf<typeof SdkRole> = {
  ROLE_UNSPECIFIED: 0,
  ROLE_USER: 1,
  ROLE_AGENT: 2,
  UNRECOGNIZED: -1,
}

/** A task's state (the proto enum `TaskState`), by name. */
export const TaskState: ValuesOf<typeof SdkTaskState> = {
  TASK_STATE_UNSPECIFIED: 0,
  TASK_STATE_SUBMITTED: 1,
  TASK_STATE_WORKING: 2,
  TASK_STATE_COMPLETED: 3,
  TASK_STATE_FAILED: 4,
  TASK_STATE_CANCELED: 5,
  TASK_STATE_INPUT_REQUIRED: 6,
  TASK_STATE_REJECTED: 7,
  TASK_STATE_AUTH_REQUIRED: 8,
  UNRECOGNIZED: -1,
}

/**
 * A 1.0 enum value by its name: ProtoJSON gives an enum by name or by number (`3`), and the
 * gateway takes both from a caller (`enumOf` in params.ts), so a number must not pass for no value.
 */
export const enumName = (values: object, value: unknown): unknown => {
  // `1.0` is kept as written by translation's parse; it is the enum's 1 all the same.
  const given = asNumber(value)
  return typeof given === 'number'
    ? Object.entries(values).find(
        ([name, number]) => number === given && name !== 'UNRECOGNIZED',
      )?.[0]
    : value
}
