/**
 * Small checks shared by the leader config's validators (config.ts, config-limits.ts, config-daemon.ts,
 * attributes.ts): unknown keys, whole numbers, and how a bad value is described in an error.
 */
import type { ConfigProblem } from './errors.js'

/** reports every key of `value` not in `allowed` (a typo must not leave a default in force) */
export function unknownKeys (value: Record<string, unknown>, allowed: string[], path: string, problems: ConfigProblem[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.push({ path: path === '' ? key : `${path}.${key}`, expected: `no such key: only ${allowed.join(', ')} ${path === '' ? 'at the top level' : `under ${path}`}`, got: 'an unknown key' })
    }
  }
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function isWholeNumber (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value)
}

/** A short description of a value for an error message; secrets are described, never shown. */
export function describe (value: unknown, secret = false): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return 'a mapping'
  if (secret) return typeof value === 'string' ? 'an empty string' : `a ${typeof value}`
  const text = JSON.stringify(value) ?? typeof value
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`
}

export type Section = Record<string, unknown>
/** whether a value is valid */
export type Check = (value: unknown) => boolean

/** a section's mapping (its unknown keys reported), undefined when it is absent or not a mapping */
export function sectionOf (value: unknown, path: string, keys: string[], problems: ConfigProblem[]): Section | undefined {
  if (value === undefined || value === null) return undefined
  if (!isRecord(value)) {
    problems.push({ path, expected: `a mapping with ${keys.join(', ')}`, got: describe(value) })
    return undefined
  }
  unknownKeys(value, keys, path, problems)
  return value
}

/** `section[key]` through `valid` to `set`, or a problem saying what was expected */
export function take (section: Section, key: string, path: string, valid: Check, expected: string, problems: ConfigProblem[], set: (value: unknown) => void): void {
  const value = section[key]
  if (value === undefined) return
  if (valid(value)) set(value)
  else problems.push({ path: `${path}.${key}`, expected, got: describe(value) })
}
