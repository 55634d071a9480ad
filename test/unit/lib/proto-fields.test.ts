import { describe, expect, it } from 'vitest'
import { misspelling, spellingsFor } from '../../../lib/a2a/proto-fields.ts'

describe('misspelling', () => {
  const spellings = spellingsFor(['id', 'taskId', 'pushNotificationConfig'])

  it.each([
    ['TaskId', 'taskId'],
    ['ta\u017fkId', 'taskId'],
    // The proto name in another case: `task_id` to encoding/json reading into protoc-gen-go's structs
    ['TASK_ID', 'taskId'],
    ['Push_Notification_Config', 'pushNotificationConfig'],
    ['ID', 'id'],
  ])('finds %s, which a reader that ignores case takes for %s', (key, meant) => {
    // Assess
    expect(misspelling({ [key]: 'x' }, spellings)).toEqual({ key, meant })
  })

  it.each([
    ['_id', 'a raw MongoDB document’s id'],
    ['T_askId', 'underscores where neither name has them'],
    ['pushnotification_config', 'half of each name'],
    ['task_id', 'the proto name, which the gateway reads'],
  ])('passes %s (%s): no reader takes it for a field', (key) => {
    // Assess
    expect(misspelling({ [key]: 'x' }, spellings)).toBeUndefined()
  })
})
