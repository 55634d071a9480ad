import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadLocalConfig } from '../../lib/config.ts'
import { readmeSection, repositoryRoot } from '../support/readme.ts'

describe("the README's Quick start", () => {
  it("says which Node installs the repo as package.json's engines does", () => {
    // Prepare
    const { engines } = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8'))

    // Act
    const oldest = /Any Node(?:\.js)? from (\d+) up/.exec(readmeSection('Quick start'))?.[1]

    // Assess
    expect(oldest).toBeDefined()
    expect(engines.node).toBe(`>=${oldest}`)
  })

  it("names the ports npm start's gateway and sample agents listen on by default", () => {
    // Prepare
    const defaults = loadLocalConfig({})

    // Act
    const quickStart = readmeSection('Quick start')

    // Assess
    expect(quickStart).toContain(`http://127.0.0.1:${defaults.port}`)
    expect(quickStart).toContain(`${defaults.agentPorts.weather} (weather)`)
    expect(quickStart).toContain(`${defaults.agentPorts.calculator} (calculator)`)
  })
})
