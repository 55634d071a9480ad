import { createHash, randomInt } from 'node:crypto'
import { PreconditionFailedError } from '../errors.ts'
import { type IfMatch, weakTagRefusal } from '../http/preconditions.ts'
import type { StoredPermission } from './permission.ts'

/**
 * A new permission version: what each write of a permission stores as `version`, and what the
 * next conditional write compares (`#version = :read`), since DynamoDB Local (dynalite) cannot
 * compare the lists a permission holds in a condition. Random, not counted up: a permission
 * deleted and defined again starts afresh, and a counter would give it the tags its first life
 * had, so a stale `If-Match` read before the delete would pass. A positive whole number below
 * 2^48, the shape the release before this one reads and ignores (`grantingPermissionSchema`).
 */
export const newPermissionVersion = (): number => randomInt(1, 2 ** 48)

/** The value with its object keys sorted, so one stored item hashes alike however it was read. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
        )
      : value

/**
 * The permission's entity tag (RFC 9110 §8.8.3), strong and quoted: its scope and `version`,
 * hashed. A permission written before this release (or by it, rolled back to) has no `version`:
 * its tag is then its whole content hashed, which changes with any change of it too.
 *
 * @example
 * permissionETag({ scope: 'weather:invoke', agents: ['weather'], version: 7 }) // '"Yx1…"'
 */
export const permissionETag = (permission: StoredPermission): string => {
  const version =
    typeof permission.version === 'number'
      ? `${permission.scope}\n${permission.version}`
      : `unversioned\n${JSON.stringify(canonical(permission))}`
  return `"${createHash('sha256').update(version).digest('base64url').slice(0, 22)}"`
}

/**
 * A permission as the admin API shows it: as stored, its `version` replaced by its `etag` (the
 * tag to send back as `If-Match`): a list has no header per item, and `version` is the store's.
 */
export const shownPermission = (
  stored: StoredPermission,
): Omit<StoredPermission, 'version'> & { etag: string } => {
  const { version: _store, ...shown } = stored
  return { ...shown, etag: permissionETag(stored) }
}

/**
 * Why a change sent with `If-Match` (`ifMatch`, when known) is not made on the scope's permission
 * as it is now (`current`; undefined: there is none), in words naming what it is now. `*`, and a
 * weak tag of the version it is at, are said as such: "changed since the version If-Match names"
 * would send the client looking for a change no one made.
 */
export const permissionPreconditionFailed = (
  scope: string,
  current: StoredPermission | undefined,
  ifMatch?: IfMatch,
): PreconditionFailedError => {
  if (!current) {
    return new PreconditionFailedError(
      ifMatch && 'any' in ifMatch
        ? `Scope '${scope}' has no permission, and If-Match: * asks that it have one. Nothing was changed: a PUT without If-Match defines it.`
        : `Scope '${scope}' has no permission now: it was deleted since the version If-Match names. Nothing was changed: a PUT without If-Match defines it again.`,
    )
  }
  const etag = permissionETag(current)
  const weak = weakTagRefusal(ifMatch, etag)
  if (weak) return new PreconditionFailedError(weak, etag)
  return new PreconditionFailedError(
    `The permission of '${scope}' has changed since the version If-Match names (another admin's change, or an agent's delete taking the agent out), and its ETag is now ${etag}. Nothing was changed: read it again (GET /admin/permissions/${scope}), make your change on what it holds now, and send its ETag.`,
    etag,
  )
}

/**
 * Why a change sent with `If-None-Match: *` is not made: the scope has a permission (`current`),
 * defined since the client saw none, in words naming its tag.
 */
export const permissionExistsAlready = (
  scope: string,
  current: StoredPermission,
): PreconditionFailedError => {
  const etag = permissionETag(current)
  return new PreconditionFailedError(
    `Scope '${scope}' has a permission already (another admin defined it since you saw none), and its ETag is ${etag}. Nothing was changed: read it (GET /admin/permissions/${scope}), and change it with If-Match: ${etag}.`,
    etag,
  )
}
