import type { Binding } from './agent-card.ts'
import type { ProtocolVersion } from './versions.ts'

/**
 * The media type of a JSON answer the gateway makes for a caller: A2A 1.0's HTTP+JSON binding says
 * `application/a2a+json` SHOULD be used for its requests and responses (specification §11.1),
 * JSON-RPC says `application/json` (§9.1), and 0.3 knew only `application/json`.
 */
export const jsonAnswerType = (binding: Binding, version: ProtocolVersion): string =>
  binding === 'HTTP+JSON' && version === '1.0' ? 'application/a2a+json' : 'application/json'
