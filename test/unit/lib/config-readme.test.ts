import { describe, expect, it } from 'vitest'
import {
  gatewayEnvironmentVariables,
  loadConfig,
  loadLocalConfig,
  localEnvironmentVariables,
} from '../../../lib/config.ts'
import { readmeSection } from '../../support/readme.ts'

/** The README's *Configuration* tables: the handlers', then `npm start`'s own. */
const [gatewayTable = '', localTable = ''] = readmeSection('Configuration').split(
  'Local runtime only (`npm start`):',
)

/** A table's rows: the names a row lists, and the text of its default cell. */
const rows = (table: string) =>
  [...table.matchAll(/^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \| (.*?) \|/gm)].map((match) => ({
    names: [...(match[1] as string).matchAll(/`([A-Z0-9_]+)`/g)].map((name) => name[1] as string),
    defaults: [...(match[2] as string).matchAll(/`([^`]*)`/g)].map((value) => value[1] as string),
    cell: match[2] as string,
  }))

/**
 * A table's variables among `names` whose default cell begins with a value, one a name
 * (`A`, `B` | `a`, `b`); not a pattern such as `${TOKEN_ISSUER}/...` or `https://{domain}/{stage}`.
 */
const documentedDefaults = (table: string, names: string[]) =>
  rows(table).flatMap(({ names: listed, defaults, cell }) =>
    cell.startsWith('`') && !cell.includes('{')
      ? listed
          .map((name, index) => ({ name, value: defaults[index] as string }))
          .filter(({ name }) => names.includes(name))
      : [],
  )

describe("the README's configuration tables", () => {
  it('list every variable lib/config.ts reads', () => {
    // Act
    const gateway = rows(gatewayTable).flatMap(({ names }) => names)
    const local = rows(localTable).flatMap(({ names }) => names)

    // Assess
    expect(gatewayEnvironmentVariables.filter((name) => !gateway.includes(name))).toEqual([])
    expect(
      localEnvironmentVariables.filter((name) => !local.includes(name) && !gateway.includes(name)),
    ).toEqual([])
  })

  it("give each variable lib/config.ts's own default: set to it, nothing changes", () => {
    // Prepare
    const issuer = { TOKEN_ISSUER: 'https://issuer.example.com' }
    const gateway = documentedDefaults(gatewayTable, gatewayEnvironmentVariables)
    const local = documentedDefaults(localTable, localEnvironmentVariables)

    // Act
    const wrong = [
      ...gateway.filter(
        ({ name, value }) =>
          JSON.stringify(loadConfig({ ...issuer, [name]: value })) !==
          JSON.stringify(loadConfig(issuer)),
      ),
      ...local.filter(
        ({ name, value }) =>
          JSON.stringify(loadLocalConfig({ [name]: value })) !==
          JSON.stringify(loadLocalConfig({})),
      ),
    ]

    // Assess
    expect([...gateway, ...local].map(({ name }) => name)).toEqual(
      expect.arrayContaining(['BACKEND_TIMEOUT_MS', 'PORT', 'VECTOR_INDEX_NAME']),
    )
    expect(wrong).toEqual([])
  })
})
