/**
 * The local database channel's requests (local/database-channel.ts) handed
 * straight to dynalite's validations and action, in the database's thread,
 * instead of through its HTTP request handler. That handler's steps before
 * them (parsing the URL for query-string credentials, a request id from
 * `crypto.randomBytes`, the content type, target and signature-header checks)
 * cost about a quarter of dynalite's CPU on the rate limiter's UpdateItem, and
 * decide nothing for a request the lean path signed: so only such a request is
 * taken (a JSON POST of one of the lean path's four operations, signed with
 * SigV4 in its header, whose body parses); any other is declined and goes the
 * whole way, to be answered by dynalite as over HTTP (so does one over its
 * 16 MiB limit, which it refuses with a 413). A taken request runs what
 * dynalite's handler runs after those checks, in the same order, and gets the
 * answer it would give: the same status and body, and the same headers.
 *
 * dynalite's store is captured as dynalite creates it, by replacing the
 * `create` its index.js reads through its `db` module (as the other shortcuts
 * replace exports: local/dynalite-shortcuts.ts), so install this before
 * dynalite is loaded. When dynalite is not shaped as expected (a new version),
 * nothing is installed and the reason is returned.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { dynaliteModules } from './dynalite-modules.ts'

/** What the channel sends (header names lowercase) and what a taken request is answered. */
export interface DirectRequest {
  headers: Record<string, string>
  body: string
}
export interface DirectAnswer {
  status: number
  headers: Record<string, string>
  body: string
}
/**
 * Takes `request` and calls `respond` with its answer (perhaps before it
 * returns), or declines it: false, and `respond` is never called. As in
 * dynalite's handler, an error with no status is thrown, not answered.
 */
export type DirectDynalite = (
  request: DirectRequest,
  respond: (answer: DirectAnswer) => void,
) => boolean

type Callback = (
  error: (Error & { statusCode?: number; body?: unknown }) | null,
  data?: unknown,
) => void
interface ActionValidation {
  types: Record<string, unknown>
  custom?: unknown
}
interface Validations {
  checkTypes(data: unknown, types: Record<string, unknown>): unknown
  checkValidations(
    data: unknown,
    types: Record<string, unknown>,
    custom: unknown,
    store: unknown,
  ): void
}

/** The lean path's operations (lib/dynamo-lean.ts), by dynalite's module name. */
const operations = new Map([
  ['GetItem', 'getItem'],
  ['PutItem', 'putItem'],
  ['UpdateItem', 'updateItem'],
  ['DeleteItem', 'deleteItem'],
])
const api = 'DynamoDB_20120810'
/** dynalite's limit on a request's body (its `MAX_REQUEST_BYTES`): above it, a 413. */
const maxBodyBytes = 16 * 1024 * 1024
const contentType = 'application/x-amz-json-1.0'

/** The steps of dynalite's handler this stands in for, as its index.js spells them. */
const handlerSteps = [
  'MAX_REQUEST_BYTES = 16 * 1024 * 1024',
  'db.create(options)',
  'data = validations.checkTypes(data, actionValidation.types)',
  'validations.checkValidations(data, actionValidation.types, actionValidation.custom, store)',
  'actions[action](store, data, function (err, data) {',
]

/**
 * The checks dynalite's handler makes of a SigV4 `Authorization` header (and
 * the date beside it), passed: it names `Credential`, `Signature` and
 * `SignedHeaders`, each with a value, and the request is dated.
 */
const signedInHeader = (headers: Record<string, string>) => {
  const authorization = headers.authorization
  if (!authorization?.trim().startsWith('AWS4-')) return false
  if (!headers['x-amz-date'] && !headers.date) return false
  const fields = new Map<string, string | undefined>()
  for (const field of authorization.split(/,| /).slice(1)) {
    if (!field) continue
    const [name, value] = field.trim().split('=')
    fields.set(name as string, value)
  }
  return ['Credential', 'Signature', 'SignedHeaders'].every((name) => fields.get(name))
}

/** A request id as dynalite gives one: 52 characters, capital letters and digits. */
const requestId = () =>
  `${randomUUID()}${randomUUID()}`.replaceAll('-', '').slice(0, 52).toUpperCase()

/** dynalite's answer (its `sendData`): the body as JSON, with its CRC-32 and length. */
const answerOf = (data: unknown, status: number): DirectAnswer => {
  const body = JSON.stringify(data)
  return {
    status,
    headers: {
      'x-amzn-requestid': requestId(),
      'x-amz-crc32': String(crc32(body)),
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body, 'utf8')),
    },
    body,
  }
}

/**
 * Installs the capture of dynalite's store in this thread's dynalite, and
 * returns the function that answers the requests it takes (declining all until
 * dynalite has created its store), or why it cannot.
 *
 * @example
 * const direct = installDirectRequests() // before `import('dynalite')`
 * if (typeof direct === 'string') console.error(`without direct requests: ${direct}`)
 */
export const installDirectRequests = (): DirectDynalite | string => {
  const { dir: dynaliteDir, require: requireFromDynalite } = dynaliteModules()
  const source = readFileSync(join(dynaliteDir, 'index.js'), 'utf8')
  const missing = handlerSteps.find((step) => !source.includes(step))
  if (missing) return `its index.js no longer runs '${missing}'`
  const db = requireFromDynalite('./db') as { create?: (options: unknown) => unknown }
  const validations = requireFromDynalite('./validations') as Partial<Validations>
  const create = db.create
  if (typeof create !== 'function') return 'its db module exports no create function'
  if (
    typeof validations.checkTypes !== 'function' ||
    typeof validations.checkValidations !== 'function'
  ) {
    return 'its validations module exports no checkTypes or checkValidations function'
  }
  const steps = validations as Validations
  const actions = new Map<
    string,
    { run: (store: unknown, data: unknown, cb: Callback) => void; check: ActionValidation }
  >()
  for (const [operation, name] of operations) {
    const run = requireFromDynalite(`./actions/${name}`) as unknown
    const check = requireFromDynalite(`./validations/${name}`) as Partial<ActionValidation>
    if (typeof run !== 'function' || typeof check.types !== 'object') {
      return `its actions/${name} or validations/${name} is not shaped as expected`
    }
    actions.set(operation, { run: run as never, check: check as ActionValidation })
  }

  let store: unknown
  db.create = function createCaptured(options: unknown) {
    store = create(options)
    return store
  }

  return ({ headers, body }, respond) => {
    if (store === undefined || !body || headers['content-type'] !== contentType) return false
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a body over a third of the limit is counted.
    if (body.length > maxBodyBytes / 3 && Buffer.byteLength(body) > maxBodyBytes) return false
    const [target, operation, ...rest] = (headers['x-amz-target'] ?? '').split('.')
    const action =
      target === api && rest.length === 0 ? actions.get(operation as string) : undefined
    if (!action || !signedInHeader(headers)) return false
    let data: unknown
    try {
      data = JSON.parse(body)
    } catch {
      return false
    }
    try {
      data = steps.checkTypes(data, action.check.types)
      steps.checkValidations(data, action.check.types, action.check.custom, store)
    } catch (caught) {
      const error = caught as Error & { statusCode?: number; body?: unknown }
      if (!error.statusCode) throw error
      respond(answerOf(error.body, error.statusCode))
      return true
    }
    action.run(store, data, (error, answer) => {
      if (error?.statusCode) return respond(answerOf(error.body, error.statusCode))
      if (error) throw error
      respond(answerOf(answer, 200))
    })
    return true
  }
}
