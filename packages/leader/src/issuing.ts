/**
 * Issuing node and identity tokens with the leader key, and the log of what was issued
 * (DIR/issued.jsonl, one JSON object per line: kind, jti, peer, node, iat, exp, how, attrs). The
 * token text itself is not logged: the log is what an operator reads to find a jti to revoke, what
 * an audit reads, and what `replace` takes a node's grant from (its attributes are not secret:
 * every member reads them in the handshake).
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeTokenUnverified, issueIdentityToken, issueNodeToken } from '@realmesh/token'
import { LeaderError } from './errors.js'
import { appendLine } from './files.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'

/** The files of a leader directory. */
export const LEADER_FILES = {
  /** the leader's Ed25519 key (mode 0600) */
  key: 'leader.key',
  /** the realm descriptor; its bootstrap list is rewritten by startLeader */
  realm: 'realm.json',
  /** invitations and their secrets (mode 0600) */
  invitations: 'invitations.json',
  /** the leader's config (mode 0600: it may hold the join secret) */
  config: 'leader.yaml',
  /** the leader's own node token (mode 0600) */
  nodeToken: 'node.token',
  /** requests waiting for the operator, and decisions not yet collected (mode 0600) */
  pending: 'pending.json',
  /** append-only log of issued tokens (mode 0600) */
  issued: 'issued.jsonl',
  /** addresses of members, dialled at the next start (mode 0600) */
  peers: 'peers.json',
  /** revoked token ids, until their tokens expire */
  revoked: 'revoked.json',
  /** the current epoch and the one before (their salts; mode 0600) */
  epochs: 'epochs.json'
} as const

/**
 * how a token came to be: auto = join secret proof, manual = operator (approve, issueNodeToken),
 * offline = from the key on disk (`realmesh token issue`, the leader's own token), renewal = a
 * member's request with its valid token, replacement = `replace` moved a node's grant to another node,
 * invitation = a node proved an invitation's secret
 */
export type IssueHow = 'auto' | 'manual' | 'offline' | 'renewal' | 'replacement' | 'invitation'

/** a node token (sub = the node), or an identity token (sub = the identity, bound to `node`) */
export type IssuedKind = 'node' | 'identity'

export interface IssuedEntry {
  /** absent in lines written before identity tokens were logged: those are node tokens whose attributes the log does not know */
  kind?: IssuedKind
  jti: string
  /** the token's sub: the node's peer id, or for an identity token the identity's */
  peer: string
  /** an identity token: the peer id of the node it is bound to (ext.node holds its fingerprint) */
  node?: string
  /** seconds since the epoch */
  iat: number
  exp: number
  how: IssueHow
  /** for a renewal: the jti of the token it renews */
  renews?: string
  /** for a replacement: the jti of the old node's token it stands in for */
  replaces?: string
  /** for a token issued on an invitation: the invitation's id */
  invitation?: string
  /** until when the grant may be renewed (seconds since the epoch); absent: not renewable */
  renewUntil?: number
  /** the token's ext.attrs; absent: none (with `kind`) or unknown (without) */
  attrs?: Record<string, string>
}

/** what a renewal keeps of the token it renews */
export interface Renewal {
  /** the jti of the token it renews (logged) */
  renews: string
  /** the grant's end (seconds since the epoch) */
  renewUntil: number
  /** the grant's start (seconds since the epoch) */
  grantedAt: number
}

export interface IssueInit {
  realm: RealmDescriptor
  /** the node (node token) or the identity (identity token) */
  subject: string
  /** an identity token bound to this node; without it, a node token for `subject` */
  node?: string
  ttlSeconds: number
  /**
   * the token ends no later than this (seconds since the epoch), whatever `ttlSeconds` says: a
   * replacement's tokens end where the old ones did, even when a second ticks between planning and
   * issuing (a ttl computed at planning then gave one second more)
   */
  endsAt?: number
  attrs?: Record<string, string>
  how: IssueHow
  /** for a renewal: the jti of the token it renews (logged) */
  renews?: string
  /** for a replacement: the jti of the old node's token (logged) */
  replaces?: string
  /** for a token issued on an invitation: its id (logged) */
  invitation?: string
  /** until when the grant may be renewed (seconds since the epoch). @default not renewable */
  renewUntil?: number
  /** when the grant began (seconds since the epoch): a renewal keeps its grant's. @default now (a new grant) */
  grantedAt?: number
  now?: () => number
  /** the leader directory to log to; no logging without one */
  dir?: string
}

/** Issues a node token (or, with `node`, an identity token) and, with a dir, logs it to issued.jsonl. */
export async function issueLogged (key: PrivateKey, init: IssueInit): Promise<{ token: string, entry: IssuedEntry }> {
  const attrs = init.attrs ?? {}
  const ext = Object.keys(attrs).length === 0 ? undefined : { attrs: { ...attrs } }
  // one clock reading for the ttl and the token's iat/exp, so an endsAt holds to the second
  const at = (init.now ?? Date.now)()
  const ttlSeconds = init.endsAt === undefined ? init.ttlSeconds : Math.min(init.ttlSeconds, init.endsAt - Math.floor(at / 1000))
  const common = { realm: init.realm, subject: init.subject, ttlSeconds, jti: randomUUID(), now: () => at, ext }
  const token = init.node === undefined
    ? await issueNodeToken(key, { ...common, renewUntil: init.renewUntil, grantedAt: init.grantedAt })
    : await issueIdentityToken(key, { ...common, node: init.node })
  // our own, just-signed token: reading its claims back is safe and keeps iat/exp exactly as signed
  const claims = decodeTokenUnverified(token).claims as { jti: string, sub: string, iat: number, exp: number }
  const entry: IssuedEntry = {
    kind: init.node === undefined ? 'node' : 'identity',
    jti: claims.jti,
    peer: claims.sub,
    ...(init.node === undefined ? {} : { node: init.node }),
    iat: claims.iat,
    exp: claims.exp,
    how: init.how,
    ...(init.renews === undefined ? {} : { renews: init.renews }),
    ...(init.replaces === undefined ? {} : { replaces: init.replaces }),
    ...(init.invitation === undefined ? {} : { invitation: init.invitation }),
    ...(init.renewUntil === undefined || init.node !== undefined ? {} : { renewUntil: Math.floor(init.renewUntil) }),
    ...(ext === undefined ? {} : { attrs: { ...attrs } })
  }
  if (init.dir !== undefined) {
    await appendLine(join(init.dir, LEADER_FILES.issued), JSON.stringify(entry))
  }
  return { token, entry }
}

/** The canonical string of an Ed25519 peer id, or LeaderError PEER_INVALID. */
export function ed25519PeerId (peer: PeerId | string): string {
  let parsed: PeerId
  try {
    parsed = typeof peer === 'string' ? peerIdFromString(peer) : peer
  } catch (err) {
    throw new LeaderError('PEER_INVALID', `${JSON.stringify(peer)} is not a peer id; expected an Ed25519 peer id such as 12D3KooW...`, { cause: err })
  }
  if (parsed.type !== 'Ed25519') {
    throw new LeaderError('PEER_INVALID', `${parsed.toString()} is a ${parsed.type} peer id; realmesh nodes have Ed25519 keys (12D3KooW...)`)
  }
  const text = parsed.toString()
  if (typeof peer === 'string' && peer !== text) {
    throw new LeaderError('PEER_INVALID', `${JSON.stringify(peer)} is not in canonical form; expected ${text}`)
  }
  return text
}

/**
 * The token `jti` and every renewal of it since (renewals of renewals too), from DIR/issued.jsonl.
 * Empty when the log has no such token.
 */
export async function issuedChain (dir: string, jti: string): Promise<IssuedEntry[]> {
  const chain: IssuedEntry[] = []
  const ids = new Set([jti])
  for await (const entry of readIssued(dir)) {
    if (entry.jti === jti || (entry.renews !== undefined && ids.has(entry.renews))) {
      ids.add(entry.jti)
      chain.push(entry)
    }
  }
  return chain
}

/**
 * The entries of DIR/issued.jsonl, oldest first, read line by line (the log grows for as long as
 * the realm lives); nothing when there is no log. Lines that are not entries are skipped.
 */
export async function * readIssued (dir: string): AsyncGenerator<IssuedEntry> {
  let stream
  try {
    stream = createReadStream(join(dir, LEADER_FILES.issued), { encoding: 'utf8' })
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      const entry = parseIssued(line)
      if (entry != null) yield entry
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err
  } finally {
    stream?.destroy()
  }
}

function parseIssued (line: string): IssuedEntry | undefined {
  let value: Partial<IssuedEntry>
  try {
    value = JSON.parse(line) as Partial<IssuedEntry>
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  if (typeof value.jti !== 'string' || typeof value.peer !== 'string' || typeof value.iat !== 'number' || typeof value.exp !== 'number') return undefined
  if (value.kind !== undefined && value.kind !== 'node' && value.kind !== 'identity') return undefined
  if ((value.node !== undefined && typeof value.node !== 'string') || (value.renewUntil !== undefined && typeof value.renewUntil !== 'number')) return undefined
  if (value.attrs !== undefined && (typeof value.attrs !== 'object' || value.attrs === null || Object.values(value.attrs).some(v => typeof v !== 'string'))) return undefined
  return value as IssuedEntry
}
