/**
 * What the AWS SDK's environment provider reads besides the two keys: a developer's session
 * token, its expiry, its scope and account; and `AWS_PROFILE`, which goes before them. `npm
 * start` and the scripts on the laptop's state replace the developer's keys with local ones; left
 * beside them, the session token would be signed into every local request the gateway signs, an
 * expiry gone by would make the SDK load the credentials again at every signing, and a profile
 * named would make the default chain skip the environment's keys altogether (the SDK "will
 * proceed with the AWS_PROFILE value"): the developer's own keys signed every local request, the
 * calculator's stand-in refused them, and `npm start` failed registering it.
 */
const developerCredentialVariables = [
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CREDENTIAL_SCOPE',
  'AWS_ACCOUNT_ID',
  'AWS_PROFILE',
] as const

/** Removes the developer's credential variables from `process.env`, before the local keys go in. */
export const dropDeveloperCredentials = (): void => {
  for (const name of developerCredentialVariables) delete process.env[name]
}
