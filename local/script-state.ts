import { join } from 'node:path'
import { loadLocalConfig } from '../lib/config.ts'
import { localDatabaseDir, localTablePrefix, startLocalDatabase } from './database.ts'
import { dropDeveloperCredentials } from './developer-credentials.ts'

/**
 * Where the npm scripts that work on the registry (`reindex`, `calibrate`) find
 * it. With TOKEN_ISSUER set, the environment says it all (AWS, or any deployed
 * configuration). Without, the laptop's: the embedded database and index where
 * `npm start` keeps them (run the script while `npm start` is stopped, with the
 * same SWITCHBOARD_STATE_DIR), and npm start's embedder unless EMBEDDER names
 * another. Returns what closes the database it opened.
 *
 * @example
 * const state = await openScriptState()
 * try { await work(loadConfig()) } finally { await state.close() }
 */
export const openScriptState = async (): Promise<{ close(): Promise<void> }> => {
  // A blank TOKEN_ISSUER is unset, as lib/config.ts reads it: the laptop's state, not AWS's.
  if (process.env.TOKEN_ISSUER?.trim()) return { close: async () => {} }
  const { stateDir } = loadLocalConfig()
  const database = await startLocalDatabase({
    dir: localDatabaseDir(stateDir),
    tablePrefix: localTablePrefix,
  })
  // The developer's session token and its kin go with the keys replaced below (as `npm start`'s).
  dropDeveloperCredentials()
  Object.assign(process.env, {
    // The laptop's, as npm start's own handlers run (its embedder's model files are here).
    SWITCHBOARD_MODE: 'local',
    TOKEN_ISSUER: 'http://127.0.0.1',
    DYNAMODB_ENDPOINT: database.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    EMBEDDER: process.env.EMBEDDER?.trim() || 'local',
    VECTOR_INDEX: 'local',
    VECTOR_INDEX_FILE: join(stateDir, 'vectors.json'),
  })
  return { close: database.stop }
}
