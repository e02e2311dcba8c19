/**
 * Which token attributes the leader may grant without the operator (policy.allowedAttributes).
 * A node that proves the join secret is issued a token at once; without this policy it could put
 * whatever it liked into its token's ext.attrs (`role=admin`), and every member that decides by
 * attributes (audiences, authorize callbacks) would believe it. Default: none.
 *
 *   allowedAttributes: [hostname, site]                       names, any value
 *   allowedAttributes: { role: [user, sensor], site: "*" }    per name: the values allowed, or "*" for any
 */
import { describe, isRecord } from './config-values.js'
import type { ConfigProblem } from './errors.js'

/** a list of attribute names (any value), or per name the values allowed ("*": any value) */
export type AllowedAttributes = string[] | Record<string, string[] | '*'>

/** as many names as a request may carry attributes is more than enough */
const MAX_NAMES = 64
const MAX_VALUES = 256
const NAME_CHARS = 64
const VALUE_CHARS = 256
const EXPECTED = 'a list of attribute names (any value), or a mapping of name to a list of allowed values or "*", e.g. { role: [user, sensor], site: "*" }'

/**
 * Why `requested` is not within `allowed` (undefined: it is). The reason names the first attribute
 * refused, shortened: it goes back to the requester.
 */
export function attributesRefusal (allowed: AllowedAttributes | undefined, requested: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(requested)) {
    const values = allowedValues(allowed, name)
    if (values === undefined) return `attribute ${JSON.stringify(name.slice(0, NAME_CHARS))} is not one the leader grants on a join proof (policy.allowedAttributes); ask the operator`
    if (values !== '*' && !values.includes(value)) return `attribute ${JSON.stringify(name.slice(0, NAME_CHARS))} may not be ${JSON.stringify(value.slice(0, 64))}; allowed: ${values.slice(0, 8).join(', ')}${values.length > 8 ? ', ...' : ''}`
  }
  return undefined
}

function allowedValues (allowed: AllowedAttributes | undefined, name: string): readonly string[] | '*' | undefined {
  if (allowed === undefined) return undefined
  if (Array.isArray(allowed)) return allowed.includes(name) ? '*' : undefined
  return Object.hasOwn(allowed, name) ? allowed[name] : undefined
}

/** Validates policy.allowedAttributes; problems go to `problems`, the valid value is returned. */
export function checkAllowedAttributes (value: unknown, path: string, problems: ConfigProblem[]): AllowedAttributes | undefined {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) {
    const bad = value.findIndex(name => !validName(name))
    if (value.length > MAX_NAMES || bad >= 0) {
      problems.push({ path: bad >= 0 ? `${path}[${bad}]` : path, expected: `${EXPECTED}; at most ${MAX_NAMES} names of 1 to ${NAME_CHARS} characters`, got: bad >= 0 ? describe(value[bad]) : `a list of ${value.length}` })
      return undefined
    }
    return [...value] as string[]
  }
  if (!isRecord(value)) {
    problems.push({ path, expected: EXPECTED, got: describe(value) })
    return undefined
  }
  const entries = Object.entries(value)
  const out: Record<string, string[] | '*'> = {}
  if (entries.length > MAX_NAMES) problems.push({ path, expected: `at most ${MAX_NAMES} names`, got: `${entries.length}` })
  for (const [name, values] of entries) {
    if (!validName(name)) {
      problems.push({ path: `${path}.${name.slice(0, NAME_CHARS)}`, expected: `an attribute name of 1 to ${NAME_CHARS} characters`, got: `a name of ${name.length}` })
    } else if (values === '*') {
      out[name] = '*'
    } else if (Array.isArray(values) && values.length > 0 && values.length <= MAX_VALUES && values.every(v => typeof v === 'string' && v.length <= VALUE_CHARS)) {
      out[name] = [...values] as string[]
    } else {
      problems.push({ path: `${path}.${name}`, expected: `"*" (any value) or a list of 1 to ${MAX_VALUES} allowed values of at most ${VALUE_CHARS} characters`, got: describe(values) })
    }
  }
  return out
}

/** leader.yaml text for the setting: JSON is valid YAML (flow style) */
export function renderAllowedAttributes (allowed: AllowedAttributes | undefined): string {
  return JSON.stringify(allowed ?? [])
}

function validName (name: unknown): boolean {
  return typeof name === 'string' && name.length >= 1 && name.length <= NAME_CHARS
}
