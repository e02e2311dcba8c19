/**
 * Who may be matched with a node on a subject (@realmesh/token's Audience), as the CLI's
 * `--audience` flag and as the control API's `audience` field take it:
 *
 *   --audience PEER_ID[,PEER_ID...]   these identities (repeatable: the union), at most 64
 *   --audience attr:NAME=VALUE        identities whose token has attribute NAME with VALUE
 *   --audience public                 any member (what a subject's first use without the flag gets)
 *
 * A value that is none of these is an error naming the flag (or the field), and nothing is sent.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from './errors.js'
import { shortPeerId } from './format.js'
import type { Audience } from '@realmesh/token'

export const MAX_AUDIENCE_IDS = 64
export const MAX_ATTRIBUTE_NAME = 64
export const MAX_ATTRIBUTE_VALUE = 256

/** thrown with what is wrong; the caller makes it a UsageError or a 400 */
export class AudienceProblem extends Error {}

/** the `--audience` values (each may hold several peer ids, comma-separated), or undefined when none was given */
export function audienceFromFlags (values: string[] | undefined): Audience | undefined {
  if (values == null || values.length === 0) return undefined
  const items = values.flatMap(value => value.startsWith('attr:') ? [value] : value.split(',').map(item => item.trim()))
  if (items.length === 1 && items[0] === 'public') return { kind: 'public' }
  const attribute = items.find(item => item.startsWith('attr:'))
  if (attribute != null) {
    if (items.length > 1) throw new AudienceProblem('an attribute audience is one attr:NAME=VALUE, alone')
    const at = attribute.indexOf('=')
    if (at < 0) throw new AudienceProblem(`expected attr:NAME=VALUE, got ${JSON.stringify(attribute)}`)
    return checkAudience({ kind: 'attribute', name: attribute.slice('attr:'.length, at), value: attribute.slice(at + 1) })
  }
  if (items.includes('public')) throw new AudienceProblem('public is alone: it admits everyone')
  return checkAudience({ kind: 'identities', ids: items })
}

/** `--audience` of subscribe and publish: UsageError naming the flag for a bad value */
export function audienceFlag (values: string[] | undefined): Audience | undefined {
  try {
    return audienceFromFlags(values)
  } catch (err) {
    if (err instanceof AudienceProblem) throw new UsageError(`--audience: ${err.message}`)
    throw err
  }
}

/** the API's `audience` field (an Audience as JSON), or undefined when it is absent */
export function audienceFromJson (value: unknown): Audience | undefined {
  if (value === undefined) return undefined
  const audience = (value ?? {}) as Record<string, unknown>
  switch (audience.kind) {
    case 'public': return { kind: 'public' }
    case 'identities':
      if (!Array.isArray(audience.ids) || !audience.ids.every(id => typeof id === 'string')) throw new AudienceProblem('ids is an array of peer ids')
      return checkAudience({ kind: 'identities', ids: audience.ids })
    case 'attribute':
      if (typeof audience.name !== 'string' || typeof audience.value !== 'string') throw new AudienceProblem('name and value are strings')
      return checkAudience({ kind: 'attribute', name: audience.name, value: audience.value })
    default:
      throw new AudienceProblem('expected { "kind": "public" }, { "kind": "identities", "ids": [...] } or { "kind": "attribute", "name", "value" }')
  }
}

/** an audience for a terminal: `public`, `...6xq2Fv1d,...Lp9` (identities), `attr:role=sensor`; '' for none */
export function describeAudience (value: unknown): string {
  const audience = (value ?? {}) as Partial<Record<string, unknown>>
  if (audience.kind === 'identities' && Array.isArray(audience.ids)) return audience.ids.map(id => shortPeerId(String(id))).join(',')
  if (audience.kind === 'attribute') return `attr:${String(audience.name)}=${String(audience.value)}`
  // no audience is a public subject (as a subject's first use without --audience is)
  return 'public'
}

/** the identities as canonical Ed25519 peer ids, once each; the attribute within its bounds */
function checkAudience (audience: Audience): Audience {
  if (audience.kind === 'attribute') {
    if (audience.name === '' || audience.name.length > MAX_ATTRIBUTE_NAME) throw new AudienceProblem(`an attribute name is 1 to ${MAX_ATTRIBUTE_NAME} characters`)
    if (audience.value.length > MAX_ATTRIBUTE_VALUE) throw new AudienceProblem(`an attribute value is at most ${MAX_ATTRIBUTE_VALUE} characters`)
    return audience
  }
  if (audience.kind !== 'identities') return audience
  const ids = [...new Set(audience.ids.map(identityOf))]
  if (ids.length === 0) throw new AudienceProblem('no peer id given')
  if (ids.length > MAX_AUDIENCE_IDS) throw new AudienceProblem(`at most ${MAX_AUDIENCE_IDS} identities, got ${ids.length}`)
  return { kind: 'identities', ids }
}

function identityOf (text: string): string {
  let id
  try {
    id = peerIdFromString(text)
  } catch {
    throw new AudienceProblem(`expected a peer id (12D3KooW...), attr:NAME=VALUE or public, got ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (id.type !== 'Ed25519') throw new AudienceProblem(`an identity is an Ed25519 peer id (12D3KooW...), got ${JSON.stringify(text.slice(0, 80))}`)
  return id.toString()
}
