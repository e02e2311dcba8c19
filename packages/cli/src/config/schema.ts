/**
 * A small schema helper for config files: each check takes a value and its path in the document,
 * and returns the typed value or throws a ConfigError saying where, what was expected and what was
 * there. Objects refuse unknown keys, so a misspelt option is an error rather than a silent default.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../errors.js'

export type Check<T> = (value: unknown, path: string) => T

/** `connections` + `maxConnections` -> `connections.maxConnections`; '' is the document itself */
export function childPath (path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  return path === '' ? key : `${path}.${key}`
}

/** How a value is shown in an error: strings quoted (and cut short), containers by kind. */
export function describeValue (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return `a date (${value.toISOString()})`
  return typeof value === 'object' ? 'a mapping' : typeof value
}

export function fail (path: string, expected: string, value: unknown): never {
  throw new ConfigError({ path, expected, got: describeValue(value) })
}

export function integer (min: number, max: number, expected?: string): Check<number> {
  const text = expected ?? `an integer from ${min} to ${max}`
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(path, text, value)
    return value
  }
}

/** 1 .. `max` (Number.MAX_SAFE_INTEGER when not given) */
export function positiveInteger (max = Number.MAX_SAFE_INTEGER): Check<number> {
  return integer(1, max, max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer up to ${max}`)
}

export const boolean: Check<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'true or false', value)
  return value
}

export interface StringRules {
  min?: number
  max?: number
  pattern?: RegExp
  /** what to say is expected; @default `a string of min to max characters` */
  expected?: string
}

export function string (rules: StringRules = {}): Check<string> {
  const min = rules.min ?? 1
  const max = rules.max ?? 1024
  const expected = rules.expected ?? `a string of ${min} to ${max} characters`
  return (value, path) => {
    if (typeof value !== 'string' || value.length < min || value.length > max || (rules.pattern != null && !rules.pattern.test(value))) fail(path, expected, value)
    return value
  }
}

export function oneOf<const T extends string> (values: readonly T[]): Check<T> {
  return (value, path) => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) fail(path, `one of ${values.join(', ')}`, value)
    return value as T
  }
}

export function list<T> (item: Check<T>, rules: { max: number }): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, `a list (at most ${rules.max} entries)`, value)
    if (value.length > rules.max) fail(path, `at most ${rules.max} entries`, `${value.length} entries`)
    return value.map((entry, i) => item(entry, childPath(path, i)))
  }
}

/** a multiaddr; with `peer`, one that ends in /p2p/<peer id> */
export function multiaddrString (options: { peer?: boolean } = {}): Check<string> {
  const expected = options.peer === true ? 'a multiaddr ending in /p2p/<peer id> (e.g. /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW...)' : 'a multiaddr (e.g. /ip4/0.0.0.0/tcp/4001)'
  return (value, path) => {
    if (typeof value !== 'string' || value.length > 1024) fail(path, expected, value)
    try {
      const ma = multiaddr(value)
      if (options.peer === true && ma.getComponents().at(-1)?.name !== 'p2p') fail(path, expected, value)
      return ma.toString()
    } catch (err) {
      if (err instanceof ConfigError) throw err
      return fail(path, expected, value)
    }
  }
}

export type Shape = Record<string, Check<unknown>>
/** every key optional: a config file says only what it changes */
export type ObjectOf<S extends Shape> = { [K in keyof S]?: ReturnType<S[K]> }

/**
 * A mapping whose keys are all optional and all known: an unknown key is an error naming the
 * known ones. `null` (an empty section in YAML: `dht:` with nothing under it) counts as empty.
 */
export function object<S extends Shape> (shape: S): Check<ObjectOf<S>> {
  const known = Object.keys(shape)
  return (value, path) => {
    if (value === null) return {}
    if (typeof value !== 'object' || Array.isArray(value)) fail(path, `a mapping with keys ${known.join(', ')}`, value)
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value)) {
      const check = Object.hasOwn(shape, key) ? shape[key] : undefined
      if (check == null) throw new ConfigError({ path: childPath(path, key), expected: `one of the keys ${known.join(', ')}`, got: 'an unknown key' })
      if (entry === undefined) continue
      out[key] = check(entry, childPath(path, key))
    }
    return out as ObjectOf<S>
  }
}
