import { execFile } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/** The terraform executable on PATH, or undefined. */
export const terraformBinary = (): string | undefined =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'terraform'))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK)
        return true
      } catch {
        return false
      }
    })

export interface TerraformRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs terraform offline: no update check, no colours, no prompts. */
export const runTerraform = (binary: string, args: string[], cwd: string) =>
  new Promise<TerraformRun>((resolve) => {
    execFile(
      binary,
      args,
      {
        cwd,
        env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })

/** A provider plugin found in a local directory laid out as a filesystem mirror. */
export interface LocalProvider {
  /** e.g. registry.terraform.io/hashicorp/aws */
  source: string
  version: string
  /** The mirror directory it was found in (for `terraform init -plugin-dir`). */
  mirror: string
}

/** Where Terraform looks for providers without a network, besides a CLI configuration. */
export const pluginDirs = (): string[] =>
  [
    process.env.TF_PLUGIN_CACHE_DIR,
    join(homedir(), '.terraform.d', 'plugins'),
    join(homedir(), '.local', 'share', 'terraform', 'plugins'),
    '/usr/local/share/terraform/plugins',
    '/usr/share/terraform/plugins',
    // A shared mirror some of this project's machines keep.
    '/opt/tf-plugins',
  ].filter((dir): dir is string => Boolean(dir))

const list = (dir: string) => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** Every <host>/<namespace>/<type>/<version>/ found in the plugin directories. */
export const localProviders = (dirs = pluginDirs()): LocalProvider[] =>
  dirs
    .filter((dir) => existsSync(dir))
    .flatMap((mirror) =>
      list(mirror).flatMap((host) =>
        list(join(mirror, host)).flatMap((namespace) =>
          list(join(mirror, host, namespace)).flatMap((type) =>
            list(join(mirror, host, namespace, type)).map((version) => ({
              source: `${host}/${namespace}/${type}`,
              version,
              mirror,
            })),
          ),
        ),
      ),
    )

/** Whether `version` satisfies `~> major.minor` (>= major.minor, < major+1). */
export const satisfiesPessimistic = (version: string, constraint: string): boolean => {
  const [, wantMajor, wantMinor] = /^~>\s*(\d+)\.(\d+)$/.exec(constraint.trim()) ?? []
  const [, major, minor] = /^(\d+)\.(\d+)\.\d+/.exec(version) ?? []
  if (wantMajor === undefined || major === undefined) return false
  return Number(major) === Number(wantMajor) && Number(minor) >= Number(wantMinor)
}
