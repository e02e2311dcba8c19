/**
 * Who may be matched with whom: roles that complement each other (a sender and a receiver; `both`
 * is either), on different nodes, each inside the other's audience (seed 001 step 4: "filtering of
 * tokens based on the audience field").
 */
import type { Audience, Role } from '@realmesh/token'

/** what an audience looks at: the counterpart's identity and its token attributes */
export interface Party {
  identity: string
  attrs: Record<string, string>
}

export function canSend (role: Role): boolean {
  return role === 'sender' || role === 'both'
}

export function canReceive (role: Role): boolean {
  return role === 'receiver' || role === 'both'
}

/** public: everyone; identities: the listed identity ids; attribute: identities whose token has attrs[name] === value */
export function admits (audience: Audience, party: Party): boolean {
  switch (audience.kind) {
    case 'public': return true
    case 'identities': return audience.ids.includes(party.identity)
    case 'attribute': return Object.hasOwn(party.attrs, audience.name) && party.attrs[audience.name] === audience.value
    default: return false
  }
}

/** the same audience: the same kind, the same identities in any order, the same attribute */
export function sameAudience (a: Audience, b: Audience): boolean {
  if (a.kind === 'identities' && b.kind === 'identities') {
    const ids = new Set(a.ids)
    return ids.size === new Set(b.ids).size && b.ids.every(id => ids.has(id))
  }
  if (a.kind === 'attribute' && b.kind === 'attribute') return a.name === b.name && a.value === b.value
  return a.kind === 'public' && b.kind === 'public'
}

/** a one-line description of an audience, for messages */
export function describeAudience (audience: Audience): string {
  switch (audience.kind) {
    case 'identities': return `identities ${audience.ids.join(',')}`
    case 'attribute': return `attribute ${audience.name}=${audience.value}`
    case 'public': return 'public'
  }
}

export interface Interested extends Party {
  role: Role
  audience: Audience
  nodeId: string
}

/** true when one of the two can send to the other */
export function rolesPair (a: Role, b: Role): boolean {
  return (canSend(a) && canReceive(b)) || (canReceive(a) && canSend(b))
}

/** Whether a coordinator matches `a` with `b`: complementary roles, two nodes, mutual audiences. */
export function pairs (a: Interested, b: Interested): boolean {
  return a.nodeId !== b.nodeId && rolesPair(a.role, b.role) && admits(a.audience, b) && admits(b.audience, a)
}
