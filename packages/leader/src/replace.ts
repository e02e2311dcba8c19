/**
 * Replacing a node (seed 000: "how to allow new nodes to inherit previous pairing so nodes can be
 * replaced?"): the old node is revoked, and the new one is given what the old one held: a node
 * token with the same attributes and the same grant (its end, renewUntil), and, when the old node
 * carried an identity, a new identity token for that identity bound to the new node. Everything
 * that names the identity (audiences list identities, not nodes) then names the new node.
 *
 * What the old node held is read from the issue log (issued.jsonl: the newest node token of the
 * old peer, and the newest identity token bound to it). Every check runs before anything is
 * signed, so a refused replacement changes nothing.
 */
import { LeaderError } from './errors.js'
import { ed25519PeerId, issueLogged, readIssued } from './issuing.js'
import { loadLeaderDir } from './leader-dir.js'
import { openRevocationBook, revocationTargets } from './revoke.js'
import type { IssuedEntry, IssueInit } from './issuing.js'
import type { RealmDescriptor } from '@realmesh/token'
import type { Revocation } from '@realmesh/wire'

/** The old node's newest node token and newest identity token bound to it, from entries given oldest first. */
export class ReplacedTokens {
  readonly peer: string
  node: IssuedEntry | undefined
  identity: IssuedEntry | undefined

  constructor (peer: string) {
    this.peer = peer
  }

  /** takes `entry` when it is one of the old node's tokens at least as new as the one held */
  add (entry: IssuedEntry | undefined): void {
    if (entry === undefined) return
    if (entry.kind === 'identity') {
      if (entry.node === this.peer && (this.identity === undefined || entry.iat >= this.identity.iat)) this.identity = entry
    } else if (entry.peer === this.peer && (this.node === undefined || entry.iat >= this.node.iat)) {
      this.node = entry
    }
  }
}

/** what a replacement issues: the signing inputs of the new node's token and identity token */
export interface ReplacementPlan {
  old: string
  new: string
  reason: string
  node: Omit<IssueInit, 'realm' | 'now' | 'dir'>
  identity?: Omit<IssueInit, 'realm' | 'now' | 'dir'>
}

export interface PlanInit {
  old: string
  new: string
  realm: RealmDescriptor
  found: ReplacedTokens
  /** whether the leader issues `peer` nothing (revoked) */
  refuses: (peer: string) => boolean
  now: () => number
  /** @default `replaced by NEW` */
  reason?: string
}

/**
 * What to issue for a replacement, or a LeaderError: PEER_INVALID, REPLACE_INVALID (the same peer,
 * or the leader), PEER_UNKNOWN (no node token of the old peer in the log), GRANT_UNKNOWN (logged
 * without its attributes), GRANT_ENDED (nothing left of the grant or of the identity token),
 * PEER_REVOKED (the new node or the identity is refused tokens).
 *
 * The new node token ends where the old grant ends: a renewable one keeps renewUntil and the old
 * token's lifetime (no further than renewUntil); one that was not renewable ends at the old
 * token's exp. The identity token ends at the old identity token's exp (nodes do not renew them).
 */
export function planReplacement (init: PlanInit): ReplacementPlan {
  const old = ed25519PeerId(init.old)
  const next = ed25519PeerId(init.new)
  if (old === next) throw new LeaderError('REPLACE_INVALID', `the replacement of ${old} must be another node`)
  if (old === init.realm.leader.peerId) throw new LeaderError('REPLACE_INVALID', `${old} is the realm leader; its key is the realm, and it cannot be replaced`)
  const { node, identity } = init.found
  if (node === undefined) throw new LeaderError('PEER_UNKNOWN', `this leader never issued ${old} a node token (issued.jsonl): there is no grant to move; issue ${next} one with realmesh token issue`)
  if (node.kind === undefined) throw new LeaderError('GRANT_UNKNOWN', `the newest token of ${old} (jti ${node.jti}) was logged before attributes were: issue ${next} its tokens with realmesh token issue, and revoke ${old}`)
  const nowS = Math.floor(init.now() / 1000)
  const renewUntil = node.renewUntil !== undefined && node.renewUntil > nowS ? node.renewUntil : undefined
  const end = Math.max(node.exp, renewUntil ?? 0)
  if (end <= nowS) throw new LeaderError('GRANT_ENDED', `the grant of ${old} ended at ${iso(end)} (jti ${node.jti}): there is nothing to move; issue ${next} a token with realmesh token issue`)
  const max = init.realm.policy.maxTokenTtlSeconds
  const plan: ReplacementPlan = {
    old,
    new: next,
    reason: init.reason ?? `replaced by ${next}`,
    node: {
      subject: next,
      ttlSeconds: Math.min(renewUntil === undefined ? node.exp - nowS : Math.max(1, node.exp - node.iat), end - nowS, max),
      ...(renewUntil === undefined ? { endsAt: node.exp } : {}),
      attrs: { ...node.attrs },
      how: 'replacement',
      replaces: node.jti,
      renewUntil
    }
  }
  if (identity !== undefined) {
    if (identity.exp <= nowS) throw new LeaderError('GRANT_ENDED', `the identity token of ${identity.peer} on ${old} expired at ${iso(identity.exp)} (jti ${identity.jti}): issue a new one with realmesh token issue --identity ${identity.peer} --node ${next}`)
    plan.identity = { subject: identity.peer, node: next, ttlSeconds: Math.min(identity.exp - nowS, max), endsAt: identity.exp, attrs: { ...identity.attrs }, how: 'replacement', replaces: identity.jti }
  }
  for (const peer of [next, identity?.peer]) {
    if (peer !== undefined && init.refuses(peer)) throw new LeaderError('PEER_REVOKED', `the tokens of ${peer} were revoked (realmesh leader revocations): no token is issued to it`)
  }
  return plan
}

/** what a replacement did */
export interface ReplaceResult {
  old: string
  new: string
  /** the revocations signed for the old node (none when it was revoked as a whole before) */
  revocations: Revocation[]
  /** the new node's token */
  nodeToken: string
  /** its log entry (jti, exp, attrs, renewUntil, replaces) */
  nodeEntry: IssuedEntry
  /** the new identity token bound to the new node, when the old node carried an identity */
  identityToken?: string
  identityEntry?: IssuedEntry
}

/**
 * Runs a plan: revokes the old node (unless it already is, as a whole: a stolen node is revoked
 * at once and replaced later), then issues the new node's tokens.
 */
export async function carryOut (plan: ReplacementPlan, deps: {
  isPeerRevoked: (peer: string) => boolean
  revoke: (peer: string, reason: string) => Promise<Revocation[]>
  issue: (init: Omit<IssueInit, 'realm' | 'now' | 'dir'>) => Promise<{ token: string, entry: IssuedEntry }>
}): Promise<ReplaceResult> {
  const revocations = deps.isPeerRevoked(plan.old) ? [] : await deps.revoke(plan.old, plan.reason)
  const node = await deps.issue(plan.node)
  const identity = plan.identity === undefined ? undefined : await deps.issue(plan.identity)
  return {
    old: plan.old,
    new: plan.new,
    revocations,
    nodeToken: node.token,
    nodeEntry: node.entry,
    ...(identity === undefined ? {} : { identityToken: identity.token, identityEntry: identity.entry })
  }
}

/** The old node's newest tokens in DIR/issued.jsonl. */
export async function findReplaced (dir: string, old: string): Promise<ReplacedTokens> {
  const found = new ReplacedTokens(old)
  for await (const entry of readIssued(dir)) found.add(entry)
  return found
}

export interface ReplaceOfflineInit {
  dir: string
  old: string
  new: string
  /** @default `replaced by NEW` */
  reason?: string
  now?: () => number
}

/**
 * `realmesh leader replace` with the leader directory alone (the leader not running): signs with
 * the key in DIR, writes revoked.json (the leader spreads it when it starts) and logs the new tokens.
 */
export async function replaceOffline (init: ReplaceOfflineInit): Promise<ReplaceResult> {
  const now = init.now ?? Date.now
  const { key, realm } = await loadLeaderDir(init.dir)
  const { book, file } = await openRevocationBook(init.dir, now)
  const old = ed25519PeerId(init.old)
  const plan = planReplacement({ old, new: init.new, realm, found: await findReplaced(init.dir, old), refuses: (peer) => book.refuses(peer), now, reason: init.reason })
  return carryOut(plan, {
    isPeerRevoked: (peer) => book.isPeerRevoked(peer),
    revoke: async (peer, reason) => {
      const signed = book.sign(await revocationTargets(peer, { book, now, dir: init.dir }), reason)
      await file.save()
      return signed
    },
    issue: async (issue) => issueLogged(key, { ...issue, realm, now, dir: init.dir })
  })
}

function iso (seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}
