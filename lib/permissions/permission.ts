import * as z from 'zod'
import { operationNames } from '../a2a/operations.ts'
import { agentIdSchema, scopeSchema } from '../ids.ts'
import { withThousands } from '../thousands.ts'

/** At most this many agents (and limits) keep a permission within DynamoDB's 400 KB item. */
const maxAgents = 2000
const tooManyAgents = `must name at most ${withThousands(maxAgents)} agents`

/** One item of the permissions table: what holders of `scope` may do. */
export const permissionSchema = z.strictObject({
  scope: scopeSchema,
  agents: z
    .array(agentIdSchema)
    .min(1, 'must name at least one agent')
    .max(maxAgents, tooManyAgents),
  /** Omitted = every operation. */
  operations: z
    .array(
      z.enum(operationNames, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is no A2A operation; use one of ${operationNames.join(', ')}`,
      }),
    )
    .min(1)
    .optional(),
  requestsPerMinute: z.number().int().positive().optional(),
  agentLimits: z
    .record(agentIdSchema, z.number().int().positive())
    .refine((limits) => Object.keys(limits).length <= maxAgents, tooManyAgents)
    .optional(),
  /**
   * Whose tasks holders may read on these agents (GetTask, ListTasks,
   * SubscribeToTask): `own` (the default) or `all`, for auditors. Cancelling,
   * continuing a task and push configs stay with the task's creator either way.
   */
  taskAccess: z.enum(['own', 'all']).optional(),
})

export type Permission = z.infer<typeof permissionSchema>

/**
 * A permission item as grants are read from it: `permissionSchema`'s fields, and `version`, which
 * every write of a permission stores (lib/permissions/permission-etag.ts: its ETag's, so that two
 * admins' PUTs of one scope stop overwriting each other), read here and ignored: it grants
 * nothing. The release before this one read and ignored it too, without writing it, so that a
 * rollback to it leaves every permission granting; releases before that one read it as an
 * attribute they do not know, and a permission holding it grants nothing there (README
 * *Upgrading and rolling back*). A release can write a new attribute only once the release
 * before it reads it.
 */
export const grantingPermissionSchema = permissionSchema
  .extend({ version: z.number().int().positive().optional() })
  .transform(({ version: _ignored, ...permission }): Permission => permission)

/**
 * A permission as the table holds it, read to administer it: an attribute this version does not
 * know (a later version's, met after a rollback or beside the later version during a deploy) is
 * kept, and so is a value it does not know in `operations` (a later A2A operation) or
 * `taskAccess`, so it is listed, audited and left in place when an agent is taken out, where the
 * strict schema failed each of those reads. Grants are never read with it (`forScopes`): what
 * such an attribute or value means is unknown here, so that permission grants nothing.
 */
export const storedPermissionSchema = permissionSchema
  .extend({
    operations: z.array(z.string()).min(1).optional(),
    taskAccess: z.string().optional(),
  })
  .loose()

/** A permission as stored: what `permissionSchema` reads, or a later version's (above). */
export type StoredPermission = z.infer<typeof storedPermissionSchema>

/**
 * The body of `PUT /admin/permissions/{scope}`: `scope` may be left out, but not differ. The
 * `etag` a read shows (and `version`, which the release before this one listed as stored) may be
 * sent back with what was read, and is left out: only an `If-Match` header makes a change
 * conditional, as on every route that takes one, so a body copied from a read is no condition.
 */
export const parsePermissionFor = (scope: string, body: unknown): Permission =>
  permissionSchema
    .extend({
      scope: z
        .literal(scope, { error: `must be '${scope}', the scope in the path` })
        .default(scope),
      etag: z.string().optional(),
      version: z.number().int().positive().optional(),
    })
    .superRefine(({ agents, agentLimits }, context) => {
      // A limit for an agent the permission does not grant would limit nothing.
      for (const agentId of Object.keys(agentLimits ?? {})) {
        if (agents.includes(agentId)) continue
        context.addIssue({
          code: 'custom',
          path: ['agentLimits', agentId],
          message: `limits '${agentId}', which is not among this permission's agents`,
        })
      }
    })
    .transform(({ etag: _read, version: _stored, ...permission }): Permission => permission)
    .parse(body)
