/**
 * The join exchange (seed 001 step 2), on a connection whose handshake succeeded.
 *
 *   initiator                                   responder
 *     | --- JoinRequest(identity token, record) --> |  verify identity (bound to the initiator's node),
 *     |                                             |  verify record, authenticate(), authorize()
 *     | <-- JoinResponse ACK(identity, record) ---- |  -> both sides record the other as a member
 *     |     or NACK(code, reason)                   |  -> the responder drops the initiator's state
 *     |     or DEFERRED(retry after)                |  -> the responder asked the realm leader
 *
 * A deferred identity is sent to the realm leader in the background; its decision is remembered
 * (bounded, with a time to live) so the initiator's next attempt is answered from it.
 */
import { decodeTokenUnverified, tokenHash, verifyIdentityToken, verifyNodeToken, TokenError, TOKEN_TYPES } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, WireErrorCode, JoinRequest, JoinResponse, checkJoinRequest, RealmeshError } from '@realmesh/wire'
import { JoinDeferredError, JoinRefusedError } from '../errors.js'
import { BoundedMap } from '../util/bounded-map.js'
import { withTimeout } from '../util/signals.js'
import { allow } from './decisions.js'
import type { Decision, JoinCallback, JoinContext, LeaderDecision } from './decisions.js'
import type { Identity } from '../membership/membership.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { RecordVerifier, VerifiedRecord } from '../peers/records.js'
import type { Connection, PeerId, Stream, AbortOptions } from '@libp2p/interface'
import type { PeerRecord } from '@realmesh/wire'
import type { RealmDescriptor, TokenCache } from '@realmesh/token'

export interface JoinInit {
  /** how long one join exchange may take, in milliseconds. @default 30000 */
  timeoutMs?: number
  /** the retry delay sent with DEFERRED, in milliseconds. @default 2000 */
  deferRetryMs?: number
  /** how long a leader decision on a deferred identity is remembered. @default 600000 (10 min) */
  leaderDecisionTtlMs?: number
  /** most leader decisions remembered (and most deferrals in flight). @default 1024 */
  maxLeaderDecisions?: number
  /** @default allow every identity whose token verified */
  authenticate?: JoinCallback
  /** @default allow */
  authorize?: JoinCallback
}

export interface JoinComponents {
  realm: RealmDescriptor
  tokenCache: TokenCache
  isRevoked: (jti: string, sub: string) => boolean
  now: () => number
  tokenSkewSeconds: number
  /** the identity token we present (our node token when the node is its own identity) */
  identityToken: () => string | undefined
  /** our current signed peer record */
  ownRecord: () => Promise<PeerRecord | undefined>
  /** verifies peer records (shared with the peers protocol, so a record is checked once) */
  records: RecordVerifier
  /** asks the realm leader about an identity this node deferred */
  deferToLeader: (identityToken: string, options: AbortOptions) => Promise<LeaderDecision>
}

export interface JoinAccepted {
  identity: Identity
  record?: VerifiedRecord
}

/** How a join request we answered ended. */
export type JoinOutcome =
  | { outcome: 'accepted', accepted: JoinAccepted }
  | { outcome: 'refused', code: string, reason: string }
  | { outcome: 'deferred', reason: string }

export class Join {
  readonly timeoutMs: number
  private readonly deferRetryMs: number
  private readonly authenticate: JoinCallback
  private readonly authorize: JoinCallback
  private readonly components: JoinComponents
  private readonly leaderDecisions: BoundedMap<string, LeaderDecision>

  constructor (components: JoinComponents, init: JoinInit = {}) {
    this.components = components
    this.timeoutMs = init.timeoutMs ?? 30_000
    this.deferRetryMs = init.deferRetryMs ?? 2_000
    this.authenticate = init.authenticate ?? (() => allow)
    this.authorize = init.authorize ?? (() => allow)
    this.leaderDecisions = new BoundedMap({ maxSize: init.maxLeaderDecisions ?? 1024, ttlMs: init.leaderDecisionTtlMs ?? 600_000, now: components.now })
  }

  /** Initiator: asks `connection`'s remote to accept us. Resolves with the responder's identity. */
  async initiate (connection: Connection, options: AbortOptions = {}): Promise<JoinAccepted> {
    const remote = connection.remotePeer
    const peer = remote.toString()
    const identityToken = this.components.identityToken()
    if (identityToken == null) throw new JoinRefusedError(WireErrorCode.HANDSHAKE_REQUIRED, 'this node has no token yet', { peer, byRemote: false })
    const signal = withTimeout(options, this.timeoutMs)
    const stream = await connection.newStream(PROTOCOLS.join, { signal })
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.join, maxSize: FRAME_LIMITS.join })
      await frames.write(JoinRequest, { identityToken, record: await this.components.ownRecord() }, { signal })
      const response = await frames.read(JoinResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      switch (response.status) {
        case JoinResponse.Status.ACK:
          try {
            return {
              identity: await this.verifyIdentity(response.identityToken, remote),
              record: response.record == null ? undefined : await this.verifyRecord(response.record, remote)
            }
          } catch (err) {
            throw new JoinRefusedError(codeOf(err), `${peer}'s ACK did not verify: ${(err as Error).message}`, { peer, byRemote: false, cause: err })
          }
        case JoinResponse.Status.DEFERRED:
          throw new JoinDeferredError(peer, response.reason, response.retryAfterMs > 0 ? response.retryAfterMs : this.deferRetryMs)
        case JoinResponse.Status.NACK:
        default:
          throw new JoinRefusedError(response.code === '' ? WireErrorCode.INTERNAL : response.code, response.reason, { peer, byRemote: true })
      }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /**
   * Responder: answers a join request on `stream`. `remoteNode` is the initiator's node token from
   * this connection's handshake. `onAccept` runs before the ACK is written (so the initiator's
   * first stream after the ACK already finds it a member); it returns what we put in the ACK.
   */
  async respond (stream: Stream, connection: Connection, remoteNode: VerifiedNode, onAccept: (accepted: JoinAccepted) => Promise<void> | void): Promise<JoinOutcome> {
    const remote = connection.remotePeer
    const signal = AbortSignal.timeout(this.timeoutMs)
    const frames = new Frames(stream, { protocol: PROTOCOLS.join, maxSize: FRAME_LIMITS.join })
    const nack = async (code: string, reason: string): Promise<JoinOutcome> => {
      await frames.write(JoinResponse, { status: JoinResponse.Status.NACK, code, reason, identityToken: '', retryAfterMs: 0 }, { signal }).catch(() => {})
      await stream.close({ signal }).catch(() => {})
      return { outcome: 'refused', code, reason }
    }
    let request: JoinRequest
    try {
      request = await frames.read(JoinRequest, { signal })
      checkJoinRequest(request)
    } catch (err) {
      return nack(codeOf(err), (err as Error).message)
    }
    let accepted: JoinAccepted
    try {
      accepted = {
        identity: await this.verifyIdentity(request.identityToken, remote),
        record: request.record == null ? undefined : await this.verifyRecord(request.record, remote)
      }
    } catch (err) {
      return nack(codeOf(err), (err as Error).message)
    }
    const context: JoinContext = { peer: remote, node: remoteNode.claims, identity: accepted.identity, connection }
    for (const [step, callback, deniedCode] of [['authenticate', this.authenticate, WireErrorCode.JOIN_AUTHN_DENIED], ['authorize', this.authorize, WireErrorCode.JOIN_AUTHZ_DENIED]] as const) {
      let decision: Decision
      try {
        decision = await callback(context, { signal })
      } catch (err) {
        return nack(WireErrorCode.INTERNAL, `${step} callback failed: ${(err as Error).message}`)
      }
      if (decision.decision === 'deny') return nack(deniedCode, decision.reason)
      if (decision.decision === 'defer') {
        const leader = this.leaderDecision(request.identityToken, decision.reason)
        if (leader.decision === 'denied') return nack(WireErrorCode.JOIN_DENIED_BY_LEADER, leader.reason)
        if (leader.decision === 'pending') {
          const reason = decision.reason ?? `${step} deferred to the realm leader`
          await frames.write(JoinResponse, { status: JoinResponse.Status.DEFERRED, code: WireErrorCode.JOIN_DEFERRED, reason, identityToken: '', retryAfterMs: this.deferRetryMs }, { signal }).catch(() => {})
          await stream.close({ signal }).catch(() => {})
          return { outcome: 'deferred', reason }
        }
      }
    }
    const identityToken = this.components.identityToken()
    if (identityToken == null) return nack(WireErrorCode.INTERNAL, 'this node has no token')
    await onAccept(accepted)
    await frames.write(JoinResponse, {
      status: JoinResponse.Status.ACK,
      code: '',
      reason: '',
      identityToken,
      record: await this.components.ownRecord(),
      retryAfterMs: 0
    }, { signal })
    await stream.close({ signal }).catch(() => {})
    return { outcome: 'accepted', accepted }
  }

  /**
   * The remembered leader decision about an identity; when there is none yet, asks the leader in
   * the background and answers 'pending'.
   */
  private leaderDecision (identityToken: string, _reason?: string): LeaderDecision {
    const key = Buffer.from(tokenHash(identityToken)).toString('hex')
    const known = this.leaderDecisions.get(key)
    if (known != null) return known
    const pending: LeaderDecision = { decision: 'pending' }
    this.leaderDecisions.set(key, pending, this.timeoutMs)
    this.components.deferToLeader(identityToken, { signal: AbortSignal.timeout(this.timeoutMs) })
      .then(decision => {
        // a pending answer is asked again on the next attempt after a short while
        this.leaderDecisions.set(key, decision, decision.decision === 'pending' ? this.deferRetryMs : undefined)
      }, () => {
        this.leaderDecisions.delete(key)
      })
    return pending
  }

  /** The identity token is the node token itself (identity == node), or an identity token naming this node. */
  private async verifyIdentity (token: string, remote: PeerId): Promise<Identity> {
    const options = { realm: this.components.realm, cache: this.components.tokenCache, now: this.components.now, isRevoked: this.components.isRevoked, skewSeconds: this.components.tokenSkewSeconds }
    const typ = safeTyp(token)
    if (typ === TOKEN_TYPES.node) {
      const verified = await verifyNodeToken(token, { ...options, expectedPeer: remote })
      return { kind: 'node', token, claims: verified.claims }
    }
    const verified = await verifyIdentityToken(token, { ...options, expectedNode: remote })
    return { kind: 'identity', token, claims: verified.claims }
  }

  private async verifyRecord (record: PeerRecord, remote: PeerId): Promise<VerifiedRecord> {
    const verified = await this.components.records.verify(record)
    if (!verified.peerId.equals(remote)) {
      throw new RealmeshError(WireErrorCode.RECORD_INVALID, `the peer record is for ${verified.peer}, not for ${remote.toString()}`)
    }
    return verified
  }
}

function safeTyp (token: string): string | undefined {
  try {
    const typ = decodeTokenUnverified(token).header.typ
    return typeof typ === 'string' ? typ : undefined
  } catch {
    return undefined
  }
}

function codeOf (err: unknown): string {
  if (err instanceof TokenError || err instanceof RealmeshError) return err.code
  return WireErrorCode.INTERNAL
}
