import type { Part } from '@a2a-js/sdk'

/** A text part as A2A 1.0 carries it: `{ text, mediaType: 'text/plain' }` on the wire. */
export function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    mediaType: 'text/plain',
    filename: '',
    metadata: undefined,
  }
}

/** A structured part: `{ data, mediaType: 'application/json' }` on the wire. */
export function dataPart(data: Record<string, unknown>): Part {
  return {
    content: { $case: 'data', value: data },
    mediaType: 'application/json',
    filename: '',
    metadata: undefined,
  }
}

/** The text of a part, or undefined when the part holds something else. */
export function textOf(part: Part): string | undefined {
  return part.content?.$case === 'text' ? part.content.value : undefined
}

/** The structured value of a part, or undefined when the part holds something else. */
export function dataOf(part: Part): unknown {
  return part.content?.$case === 'data' ? part.content.value : undefined
}
