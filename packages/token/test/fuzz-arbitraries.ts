// fast-check arbitraries and oracles for the token fuzz tests: token-like strings, JSON values,
// edits of valid JSON documents, and the lists of codes a refusal may carry.
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { RealmDescriptorError, TokenError } from '../src/index.js'
import type { TokenErrorCode } from '../src/index.js'

/** every TokenErrorCode (the type is the list; the check below fails to compile when one is missing) */
export const TOKEN_ERROR_CODES = [
  'TOKEN_MALFORMED', 'TOKEN_ALG_NOT_ALLOWED', 'TOKEN_WRONG_TYPE', 'TOKEN_BAD_SIGNATURE', 'TOKEN_EXPIRED', 'TOKEN_NOT_YET_VALID',
  'TOKEN_WRONG_REALM', 'TOKEN_WRONG_AUDIENCE', 'TOKEN_UNTRUSTED_ISSUER', 'TOKEN_PEER_MISMATCH', 'TOKEN_NODE_MISMATCH', 'TOKEN_REVOKED',
  'TOKEN_TTL_TOO_LONG'
] as const satisfies readonly TokenErrorCode[]
const everyCodeListed: Exclude<TokenErrorCode, typeof TOKEN_ERROR_CODES[number]> extends never ? true : never = true
assert.ok(everyCodeListed)

/** asserts err is a TokenError whose code is one of `codes` (by default any TokenErrorCode) */
export function assertTokenError (err: unknown, codes: readonly string[] = TOKEN_ERROR_CODES): void {
  assert.ok(err instanceof TokenError, `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  assert.ok(codes.includes(err.code), `code ${err.code} (${err.message}), expected one of ${codes.join(', ')}`)
}

export function assertRealmDescriptorError (err: unknown): void {
  assert.ok(err instanceof RealmDescriptorError, `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  assert.equal(err.code, 'REALM_DESCRIPTOR_INVALID')
}

/** JSON values, deep enough to be objects of objects */
export const json = fc.jsonValue({ maxDepth: 3 })

/** any JavaScript value, also those JSON has no form for (bigint, Map, Date, symbols ...) */
export const anything = fc.anything({ maxDepth: 2, withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withNullPrototype: true, withBoxedValues: true, withSparseArray: true })

const b64 = (text: string): string => Buffer.from(text).toString('base64url')

/** one dot-separated part of a token: base64url of JSON (or of a JSON object), of text, or any text */
const part = fc.oneof(
  json.map(v => b64(JSON.stringify(v))),
  fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }).map(v => b64(JSON.stringify(v))),
  fc.string({ maxLength: 30 }).map(b64),
  fc.string({ unit: fc.constantFrom(...'ABCabc019-_=+/. \u00e9'), maxLength: 40 }),
  fc.string({ maxLength: 40 })
)

/** strings shaped like compact JWS (three parts, or not quite), and any strings */
export const tokenLike = fc.oneof(
  fc.array(part, { minLength: 1, maxLength: 5 }).map(parts => parts.join('.')),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(8 * 1024, 8 * 1024 + 1).map(n => 'a.b.'.padEnd(n, 'c'))
)

type Json = ReturnType<typeof JSON.parse>

const isPlainObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value))

/** the paths of every value in a document's arrays and plain objects (['a', 0, 'b'] ...), the root included */
function pathsOf (value: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  const children = Array.isArray(value)
    ? value.flatMap((v: Json, i: number) => pathsOf(v, [...path, i]))
    : isPlainObject(value) ? Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k])) : []
  return [path, ...children]
}

/**
 * A valid document with a few edits at paths it has: a value replaced (by any JSON value, or by
 * `replacement`), a key deleted, a key added.
 */
export function edits (doc: Json, replacement: fc.Arbitrary<unknown> = json): fc.Arbitrary<Json> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'delete', 'add'), replacement, fc.string({ maxLength: 10 }))
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map(list => {
    let out = structuredClone(doc)
    for (const [at, kind, value, key] of list) {
      const paths = pathsOf(out)
      const path = paths[at % paths.length] ?? []
      if (path.length === 0) {
        out = kind === 'replace' ? value : out
        continue
      }
      const parent = path.slice(0, -1).reduce((o: Json, k) => o[k], out)
      const last = path[path.length - 1] as string | number
      if (kind === 'replace') parent[last] = value
      else if (kind === 'delete' && Array.isArray(parent)) parent.splice(last as number, 1)
      else if (kind === 'delete') delete parent[last]
      else if (isPlainObject(parent[last])) parent[last][key] = value
      else parent[key] = value
    }
    return out
  })
}
