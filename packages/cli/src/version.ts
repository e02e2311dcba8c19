/**
 * The version of this realmesh: packages/cli/package.json's, read once at load (dist/src/version.js
 * and src/version.ts both sit two levels below the package root).
 */
import { readFileSync } from 'node:fs'

function readVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    // an install that dropped package.json still runs; it just cannot say which version it is
    return 'unknown'
  }
}

export const VERSION = readVersion()
