/**
 * A card the gateway serves (an agent's, the router's): a minute in its caller's own cache, never
 * a shared one, in each version; nosniff, as every answer on an agent route. A module of its own:
 * the kit's `routeMessage` answers with it, and the signing the rest of a card's serving needs
 * (`canonicalize`) is no dependency of the kit.
 */
export const cardHeaders = {
  'content-type': 'application/json',
  'cache-control': 'private, max-age=60',
  'x-content-type-options': 'nosniff',
  vary: 'A2A-Version',
}
