/**
 * The leader's side of revocation: signing revocations (numbered 1, 2, 3 ... across restarts),
 * remembering the peers whose tokens were revoked (no token is issued to them again by policy or
 * renewal), and revoked.json, where both live:
 *
 *   { "version": 2, "nextSeq": 4, "revocations": [RevocationJson, ...],
 *     "peers": [{ "peer", "revokedAt", "reason" }] }
 *
 * A revocation lasts until nothing it names can still be valid: a token's exp (plus the realm's
 * clock skew allowance); for a peer, the longest token the realm allows from now. The peer itself
 * stays refused by this leader beyond that (the `peers` list), so that a revoked node cannot simply
 * ask again. Version 1 files ({ jti, exp } pairs) are read and re-signed as revocations.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { signBytes, DEFAULT_SKEW_SECONDS } from '@realmesh/token'
import { revocationSigningBytes, MAX_REVOCATION_JTI_CHARS, MAX_REVOCATION_REASON_CHARS } from '@realmesh/wire'
import { revocationFromJson, revocationToJson } from '@realmesh/node'
import { LeaderError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'
import type { Revocation } from '@realmesh/wire'

/** most peers remembered as revoked (the oldest is forgotten first) */
const MAX_REVOKED_PEERS = 100_000

export interface RevokedPeer {
  peer: string
  /** ISO 8601 */
  revokedAt: string
  reason: string
}

/** what to revoke: every token of `peer`, or the token `jti` (of `peer` when known) until `untilMs` */
export interface RevocationTarget {
  peer: string
  jti: string
  untilMs: number
}

export interface RevocationBookInit {
  realm: RealmDescriptor
  key: PrivateKey
  now: () => number
}

export class RevocationBook {
  private readonly init: RevocationBookInit
  private readonly entries = new Map<string, Revocation>()
  private readonly peers = new Map<string, RevokedPeer>()
  private nextSeq = 1n

  constructor (init: RevocationBookInit) {
    this.init = init
  }

  /** the live revocations, lowest seq first */
  list (): Revocation[] {
    this.prune()
    return [...this.entries.values()].sort((a, b) => (a.seq < b.seq ? -1 : 1))
  }

  /** the peers this leader refuses to issue tokens to */
  revokedPeers (): RevokedPeer[] {
    return [...this.peers.values()]
  }

  /** whether `peer` was revoked as a whole (this leader issues it nothing by policy or renewal) */
  isPeerRevoked (peer: string): boolean {
    return this.peers.has(peer)
  }

  /** whether this leader issues `peer` nothing: it was revoked as a whole, or a token of it is (until that token would have expired) */
  refuses (peer: string): boolean {
    return this.isPeerRevoked(peer) || this.list().some(r => r.peer === peer)
  }

  /** Signs a revocation of each target with the next seq numbers, keeps them, and returns them. */
  sign (targets: RevocationTarget[], reason: string): Revocation[] {
    checkReason(reason)
    const revokedAtMs = BigInt(this.init.now())
    const signed: Revocation[] = []
    for (const target of targets) {
      if (target.jti.length > MAX_REVOCATION_JTI_CHARS) throw new LeaderError('JTI_INVALID', `a token id (jti) is at most ${MAX_REVOCATION_JTI_CHARS} characters`)
      const unsigned = { seq: this.nextSeq, jti: target.jti, peer: target.peer, revokedAtMs, untilMs: BigInt(Math.ceil(target.untilMs)), reason }
      const signature = signBytes(this.init.key, revocationSigningBytes({ realmId: this.init.realm.id, ...unsigned }))
      const revocation: Revocation = { ...unsigned, signature }
      this.entries.set(revocation.seq.toString(), revocation)
      signed.push(revocation)
      this.nextSeq++
      if (target.jti === '') this.rememberPeer(target.peer, reason)
    }
    return signed
  }

  /** how long a revocation of a whole peer lasts from now: the longest token the realm allows, plus the skew */
  peerRevocationUntil (): number {
    return this.init.now() + (this.init.realm.policy.maxTokenTtlSeconds + DEFAULT_SKEW_SECONDS) * 1000
  }

  /** drops revocations whose time is over (the peers stay); true when something was dropped */
  prune (): boolean {
    const now = this.init.now()
    let dropped = false
    for (const [seq, revocation] of this.entries) {
      if (Number(revocation.untilMs) <= now) {
        this.entries.delete(seq)
        dropped = true
      }
    }
    return dropped
  }

  render (): string {
    const doc = { version: 2, nextSeq: Number(this.nextSeq), revocations: this.list().map(revocationToJson), peers: this.revokedPeers() }
    return `${JSON.stringify(doc, null, 2)}\n`
  }

  /**
   * Loads revoked.json. Version 1 (`revoked: [{ jti, exp }]`) entries come back as revocations
   * signed now: `peerOf` names the peer of a jti where the issue log knows it.
   */
  load (text: string, path: string, peerOf: (jti: string) => string | undefined = () => undefined): void {
    const bad = (detail: string): never => {
      throw new LeaderError('STATE_FILE_INVALID', `${path}: ${detail}; fix or delete the file (its revocations are then forgotten)`)
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      return bad('not JSON')
    }
    if (typeof doc !== 'object' || doc === null) return bad('not an object')
    const d = doc as Record<string, unknown>
    if (d.version === 1) {
      this.loadVersion1(d.revoked, bad, peerOf)
      return
    }
    if (d.version !== 2 || typeof d.nextSeq !== 'number' || !Number.isSafeInteger(d.nextSeq) || d.nextSeq < 1) return bad('expected { "version": 2, "nextSeq": N, "revocations": [...], "peers": [...] }')
    if (!Array.isArray(d.revocations) || !Array.isArray(d.peers)) return bad('"revocations" and "peers" must be lists')
    this.nextSeq = BigInt(d.nextSeq)
    d.revocations.forEach((entry: unknown, i) => {
      const revocation = revocationFromJson(entry)
      if (revocation == null) return bad(`revocations[${i}] is not a revocation`)
      this.entries.set(revocation.seq.toString(), revocation)
      if (revocation.seq >= this.nextSeq) this.nextSeq = revocation.seq + 1n
    })
    d.peers.forEach((entry: unknown, i) => {
      const { peer, revokedAt, reason } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>
      if (typeof peer !== 'string' || typeof revokedAt !== 'string' || typeof reason !== 'string') return bad(`peers[${i}] is not { peer, revokedAt, reason }`)
      this.peers.set(peer, { peer, revokedAt, reason })
    })
    this.prune()
  }

  private loadVersion1 (revoked: unknown, bad: (detail: string) => never, peerOf: (jti: string) => string | undefined): void {
    if (!Array.isArray(revoked)) return bad('expected { "version": 1, "revoked": [{ "jti", "exp" }] }')
    const targets = revoked.map((entry: unknown, i): RevocationTarget => {
      const { jti, exp } = (typeof entry === 'object' && entry !== null ? entry : {}) as { jti?: unknown, exp?: unknown }
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_REVOCATION_JTI_CHARS || typeof exp !== 'number' || !Number.isFinite(exp)) {
        return bad(`revoked[${i}] is not { "jti": string, "exp": seconds }`)
      }
      return { jti, peer: peerOf(jti) ?? '', untilMs: (exp + DEFAULT_SKEW_SECONDS) * 1000 }
    }).filter(t => t.untilMs > this.init.now())
    if (targets.length > 0) this.sign(targets, 'revoked before this leader signed revocations')
  }

  private rememberPeer (peer: string, reason: string): void {
    this.peers.delete(peer)
    this.peers.set(peer, { peer, revokedAt: new Date(this.init.now()).toISOString(), reason })
    if (this.peers.size > MAX_REVOKED_PEERS) {
      const oldest = this.peers.keys().next()
      if (oldest.done !== true) this.peers.delete(oldest.value)
    }
  }
}

/** a peer id string in canonical form, or undefined when `text` is not one */
export function asPeerId (text: string): string | undefined {
  try {
    return peerIdFromString(text).toString()
  } catch {
    return undefined
  }
}

function checkReason (reason: string): void {
  if (reason.length > MAX_REVOCATION_REASON_CHARS) throw new LeaderError('REASON_INVALID', `a revocation reason is at most ${MAX_REVOCATION_REASON_CHARS} characters`)
}

export function checkJti (jti: unknown): asserts jti is string {
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_REVOCATION_JTI_CHARS) {
    throw new LeaderError('JTI_INVALID', `a token id (jti) is 1 to ${MAX_REVOCATION_JTI_CHARS} characters; got ${typeof jti === 'string' ? `${jti.length} characters` : typeof jti}`)
  }
}
