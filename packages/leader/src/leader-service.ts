/**
 * The realm leader's service on a RealmNode: answers /realmesh/leader/1 (node-token requests from
 * anyone, deferred identities from members) by its TokenPolicy, keeps the requests that wait for
 * the operator (bounded per source address and per time, cancelled when their node goes away,
 * expired when undecided), the revocation list, and the realm's epochs (a new salt for subject
 * positions every `epochSeconds`; epochs.ts). With a `dir`, that state survives a restart
 * (pending.json, revoked.json) and every issued token is logged (issued.jsonl).
 */
import { join } from 'node:path'
import { TypedEventEmitter } from 'main-event'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { BoundedMap } from '@realmesh/node'
import { decodeTokenUnverified, leaderPeerId } from '@realmesh/token'
import { InvitationBook } from './invitations.js'
import { createInvitation } from './invite.js'
import type { Invitation, InviteOptions } from './invite.js'
import type { InvitationSummary } from './invitations.js'
import { PROTOCOLS, TIMEOUTS, WireErrorCode } from '@realmesh/wire'
import { answerCancel, answerDefer, answerStatus, answerToken } from './answers.js'
import { answerAuthorize } from './authorize.js'
import { checkSubjectPolicy, defaultSubjectPolicy } from './subject-policy.js'
import type { SubjectPolicy } from './subject-policy.js'
import { validateTokenPolicy, DEFAULT_MAX_LIFETIME_SECONDS, DEFAULT_MAX_PENDING } from './config.js'
import { checkJoinProofLimits, checkRequestLimits } from './config-limits.js'
import { LeaderConfigError, LeaderError } from './errors.js'
import { AtomicFile, readTextIfExists } from './files.js'
import { ed25519PeerId, issueLogged, LEADER_FILES } from './issuing.js'
import { carryOut, findReplaced, planReplacement, ReplacedTokens } from './replace.js'
import { JoinProofGuard } from './join-proofs.js'
import { denied, leaderStreamHandler, pending } from './protocol.js'
import { RequestLimiter } from './request-limits.js'
import { parseRequests, renderRequests, RequestBook } from './requests.js'
import { RevocationBook } from './revocation.js'
import { DEFAULT_EPOCH_SECONDS, EpochPublisher } from './epochs.js'
import { revocationTargets } from './revoke.js'
import type { AnswerComponents } from './answers.js'
import type { TokenPolicy } from './config.js'
import type { JoinProofLimits, RequestLimits } from './config-limits.js'
import type { ConfigProblem } from './errors.js'
import type { IssueHow, IssuedEntry, IssueInit, Renewal } from './issuing.js'
import type { ReplaceResult } from './replace.js'
import type { RevokedPeer } from './revocation.js'
import type { Answer } from './protocol.js'
import type { PendingRequest, RequestRecord } from './requests.js'
import type { AbortOptions, PeerId, PrivateKey, Startable } from '@libp2p/interface'
import type { RealmNode } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'
import type { Epoch, Revocation } from '@realmesh/wire'

/** a decided token request is kept a day: an issued token for its collection, a denial to refuse re-asks */
const DECIDED_TTL_MS = 24 * 3_600_000
const PRUNE_INTERVAL_MS = 60_000
/** the fastest a waiting node is told to poll: the leader protocol's per-peer rate (defaultRateLimits) is 2/s */
const MIN_RETRY_AFTER_MS = 500
/** token requests whose node went away are looked for this often (a quarter of the grace, within these bounds) */
const SWEEP_MIN_MS = 250
const SWEEP_MAX_MS = 15_000

export interface LeaderServiceInit {
  /** the leader's RealmNode (its key must be the realm leader's key) */
  node: RealmNode
  /** the realm leader's key: signs every token */
  key: PrivateKey
  realm: RealmDescriptor
  /** validated on construction (LeaderConfigError); missing fields take their defaults */
  policy: TokenPolicy
  /** the leader directory to persist requests, revocations and the issue log in. @default none (in memory) */
  dir?: string
  /** the clock, ms since the epoch. @default Date.now */
  now?: () => number
  /** most requests waiting for the operator at once; more are DENIED with BUSY. @default 1000 */
  maxPending?: number
  /** most decided requests remembered (issued tokens not yet collected, deferral decisions). @default 10000 */
  maxDecided?: number
  /** the retry_after_ms sent with PENDING, ms; at least 500 (polls faster than 2/s are the node's offence), at most a third of requests.graceSeconds. @default 2000 */
  retryAfterMs?: number
  /** longest one leader-protocol exchange may take, ms. @default 30000 */
  timeoutMs?: number
  /** bounds on token requests (per address, per time, expiry, grace); missing fields take their defaults */
  requests?: Partial<RequestLimits>
  /** what wrong join proofs cost an address; missing fields take their defaults */
  joinProofs?: Partial<JoinProofLimits>
  /**
   * seconds between epochs: a new salt for subject positions, published when its epoch starts (a
   * member coordinates subjects in an epoch only when its grant is older). 0: none, the realm
   * stays at epoch 0 (positions are the subject keys). @default 3600
   */
  epochSeconds?: number
  /** most open invitations at once (more: INVITATIONS_FULL). @default 1000 */
  maxInvitations?: number
  /** who may send and receive on which subjects, for members that defer to the leader (AUTHORIZE). @default every identity, everywhere */
  subjects?: SubjectPolicy
}

/** why a request left the book without a decision */
export type CancelReason = 'cancelled' | 'gone' | 'expired'

export interface LeaderServiceEvents {
  /** a request now waits for the operator (approve or deny its id) */
  'request:pending': CustomEvent<PendingRequest>
  /** a token was issued: a node token, or an identity token (`peer` the identity, `node` the node it is bound to) */
  'token:issued': CustomEvent<{ peer: string, jti: string, how: string, kind: 'node' | 'identity', node?: string }>
  /** a request was refused (by policy, a bad proof or token, the operator, or because it was malformed; not by the rate limits) */
  'request:denied': CustomEvent<{ peer: string, code: string }>
  /** an undecided request left the book: withdrawn by its node (cancelled), its node went away (gone), or undecided too long (expired) */
  'request:cancelled': CustomEvent<PendingRequest & { why: CancelReason }>
  /** a source address was banned after too many wrong join proofs (its peers are banned at the node too) */
  'address:banned': CustomEvent<{ address: string, until: number, peers: string[] }>
  /** a state file could not be written (the change is in memory only) */
  'state:error': CustomEvent<Error>
  /** a member asked whether an identity may send / receive on a subject, and the subject policy answered (`code`: refused) */
  'subject:decided': CustomEvent<{ member: string, subject: string, identity: string, send: boolean, receive: boolean, code?: string }>
}

export class LeaderService extends TypedEventEmitter<LeaderServiceEvents> implements Startable {
  readonly realm: RealmDescriptor
  readonly policy: Readonly<TokenPolicy>
  readonly limits: Readonly<RequestLimits>
  /** who may send and receive on which subjects (AUTHORIZE) */
  readonly subjects: Readonly<SubjectPolicy>
  private readonly node: RealmNode
  private readonly key: PrivateKey
  private readonly leader: PeerId
  private readonly dir: string | undefined
  private readonly now: () => number
  private readonly retryAfterMs: number
  private readonly timeoutMs: number
  private readonly book: RequestBook
  private readonly limiter: RequestLimiter
  private readonly proofs: JoinProofGuard
  private readonly revoked: RevocationBook
  private readonly epochs: EpochPublisher
  /** tokens this service issued in this run (the log has them all), so a revocation is kept exactly as long as needed */
  private readonly issuedEntries: BoundedMap<string, IssuedEntry>
  /** jti -> the jti of the token that renewed it (this run's renewals), so a revocation follows them */
  private readonly renewedBy: BoundedMap<string, string>
  /** `node:PEER` / `identity:NODE` -> the newest such token of this run, for replace without a dir */
  private readonly newest: BoundedMap<string, IssuedEntry>
  private readonly approving = new Set<string>()
  private readonly pendingFile: AtomicFile | undefined
  private readonly revokedFile: AtomicFile | undefined
  private readonly invitationBook: InvitationBook
  private readonly invitationsFile: AtomicFile | undefined
  private running = false
  private loaded = false
  private shutdown = new AbortController()
  private pruneTimer: ReturnType<typeof setInterval> | undefined
  private sweepTimer: ReturnType<typeof setInterval> | undefined

  constructor (init: LeaderServiceInit) {
    super()
    this.realm = init.realm
    this.policy = Object.freeze(validateTokenPolicy(init.policy, init.realm))
    this.leader = leaderPeerId(init.realm)
    if (!peerIdFromPrivateKey(init.key).equals(this.leader) || !init.node.peerId.equals(this.leader)) {
      throw new LeaderError('LEADER_KEY_MISMATCH', `the leader key (${peerIdFromPrivateKey(init.key).toString()}) and the node (${init.node.peerId.toString()}) must both be the leader of realm ${init.realm.name}, ${this.leader.toString()}`)
    }
    this.node = init.node
    this.key = init.key
    this.dir = init.dir
    this.now = init.now ?? Date.now
    this.timeoutMs = init.timeoutMs ?? TIMEOUTS.leader
    const maxPending = init.maxPending ?? DEFAULT_MAX_PENDING
    const maxDecided = init.maxDecided ?? 10_000
    const epochSeconds = init.epochSeconds ?? DEFAULT_EPOCH_SECONDS
    const problems: ConfigProblem[] = [['maxPending', maxPending], ['maxDecided', maxDecided]]
      .filter(([, value]) => !Number.isSafeInteger(value) || (value as number) < 1)
      .map(([path, value]) => ({ path: String(path), expected: 'a whole number, at least 1', got: String(value) }))
    if (!Number.isSafeInteger(epochSeconds) || epochSeconds < 0) problems.push({ path: 'epochSeconds', expected: 'a whole number of seconds (0: no epochs)', got: String(epochSeconds) })
    this.limits = Object.freeze(checkRequestLimits(init.requests ?? {}, 'requests', problems))
    const joinProofs = checkJoinProofLimits(init.joinProofs ?? {}, 'joinProofs', problems)
    this.subjects = Object.freeze(init.subjects == null ? defaultSubjectPolicy() : checkSubjectPolicy(init.subjects, 'subjects', problems))
    if (problems.length > 0) throw new LeaderConfigError(problems, 'leader service options')
    // a waiting node polls several times within the grace (only a node that went away misses it), and
    // never faster than the node's rate limit on the leader protocol lets it (2/s: faster gets it banned)
    this.retryAfterMs = Math.max(MIN_RETRY_AFTER_MS, Math.min(init.retryAfterMs ?? 2_000, Math.floor(this.limits.graceSeconds * 1000 / 3)))
    this.book = new RequestBook({
      maxPending,
      maxDecided,
      now: this.now,
      onExpired: (record) => { if (record.state === 'pending') this.announceCancel(record, 'expired') }
    })
    this.limiter = new RequestLimiter(this.limits, this.book, { now: this.now })
    this.proofs = new JoinProofGuard({ limits: joinProofs, now: this.now })
    this.revoked = new RevocationBook({ realm: init.realm, key: init.key, now: this.now })
    this.epochs = new EpochPublisher({ node: init.node, key: init.key, realm: init.realm, epochSeconds, now: this.now })
    this.issuedEntries = new BoundedMap({ maxSize: 10_000, now: this.now })
    this.renewedBy = new BoundedMap({ maxSize: 10_000, now: this.now })
    this.newest = new BoundedMap({ maxSize: 10_000, now: this.now })
    this.invitationBook = new InvitationBook({ now: this.now, maxLive: init.maxInvitations })
    if (init.dir !== undefined) {
      this.invitationsFile = new AtomicFile(join(init.dir, LEADER_FILES.invitations), 0o600, () => this.invitationBook.render())
      this.pendingFile = new AtomicFile(join(init.dir, LEADER_FILES.pending), 0o600, () => renderRequests(this.book.list()))
      this.revokedFile = new AtomicFile(join(init.dir, LEADER_FILES.revoked), 0o600, () => this.revoked.render())
    }
  }

  isStarted (): boolean {
    return this.running
  }

  /** Loads the persisted state (first start only) and registers PROTOCOLS.leader, open to non-members. */
  async start (): Promise<void> {
    if (this.running) return
    if (!this.loaded) {
      await this.load()
      this.loaded = true
    }
    this.shutdown = new AbortController()
    const components = this.answerComponents()
    await this.node.handle(PROTOCOLS.leader, leaderStreamHandler({
      token: async (request, connection) => answerToken(components, request, connection),
      status: async (request, connection) => answerStatus(components, request, connection),
      defer: async (request, connection) => answerDefer(components, request, connection),
      cancel: async (request, connection) => answerCancel(components, request, connection),
      authorize: async (request, connection) => answerAuthorize({ ...components, subjects: this.subjects, decided: (detail) => { this.safeDispatchEvent('subject:decided', { detail }) } }, request, connection),
      onDenied: (peer, code) => { this.safeDispatchEvent('request:denied', { detail: { peer, code } }) }
    }, { timeoutMs: this.timeoutMs, signal: () => this.shutdown.signal }), { members: false, maxInboundStreams: 32 })
    this.pruneTimer = setInterval(() => { this.prune() }, PRUNE_INTERVAL_MS)
    this.pruneTimer.unref()
    const sweepMs = Math.min(SWEEP_MAX_MS, Math.max(SWEEP_MIN_MS, this.limits.graceSeconds * 250))
    this.sweepTimer = setInterval(() => { this.cancelAbandoned() }, sweepMs)
    this.sweepTimer.unref()
    await this.epochs.start()
    this.running = true
  }

  /** Unregisters the protocol, aborts exchanges in flight, and waits for state writes to finish. */
  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    clearInterval(this.pruneTimer)
    clearInterval(this.sweepTimer)
    this.epochs.stop()
    this.shutdown.abort(new LeaderError('LEADER_NOT_STARTED', 'the leader service is stopping'))
    await this.node.unhandle(PROTOCOLS.leader).catch(() => {})
    await this.pendingFile?.idle()
    await this.revokedFile?.idle()
    await this.invitationsFile?.idle()
  }

  /**
   * Creates an invitation (invite.ts): an invitation token signed now, valid for `ttlSeconds`
   * (@default 3600), for `uses` nodes (@default 1), whose node tokens carry `attrs`, with the
   * leader's current addresses as bootstrap. Resolves once it is on disk (with a dir).
   * INVITATION_INVALID, INVITATIONS_FULL.
   */
  async invite (options: InviteOptions & AbortOptions = {}): Promise<Invitation> {
    options.signal?.throwIfAborted()
    const invitation = await createInvitation(this.invitationBook, { key: this.key, realm: this.realm, node: this.node, now: this.now }, options)
    await this.invitationsFile?.save()
    return invitation
  }

  /** the invitations remembered (open, and ended less than a day ago), oldest first; without their secrets */
  invitations (): InvitationSummary[] {
    return this.invitationBook.list().map(r => this.invitationBook.summary(r))
  }

  /** Cancels an invitation: from now on it is refused INVITATION_CANCELLED. INVITATION_UNKNOWN, INVITATION_CANCELLED. */
  async uninvite (id: string, options: AbortOptions = {}): Promise<InvitationSummary> {
    options.signal?.throwIfAborted()
    const record = this.invitationBook.cancel(id)
    await this.invitationsFile?.save()
    return this.invitationBook.summary(record)
  }

  /** checks and uses an invitation (no await in between: two nodes cannot both take its last use), saves that, then issues */
  private async joinWithInvitation (id: string, peer: string, ttlSeconds: number): Promise<{ token: string } | { code: string, reason: string }> {
    const checked = this.invitationBook.check(id, peer)
    if (!checked.ok) return checked
    if (!checked.again) {
      this.invitationBook.use(id, peer)
      try {
        await this.invitationsFile?.save()
      } catch {
        this.invitationBook.unuse(id, peer)
        return { code: WireErrorCode.INTERNAL, reason: 'the leader could not record the invitation\'s use; try again later' }
      }
    }
    return { token: await this.issue(peer, ttlSeconds, checked.record.attrs, 'invitation', undefined, id) }
  }

  /** The requests waiting for the operator, oldest first. */
  pending (): PendingRequest[] {
    return this.book.pending()
  }

  /**
   * Approves a pending request. A token request gets its token now (the node collects it with its
   * next STATUS poll); a deferred identity is APPROVED to the members that ask about it again.
   * Resolves once the decision is on disk (with a dir).
   */
  async approve (id: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const record = this.pendingRecord(id)
    this.approving.add(id)
    try {
      if (record.request.kind === 'token') {
        const token = await this.issue(record.request.peer, record.ttlSeconds ?? this.policy.ttlSeconds, record.request.attributes, 'manual')
        this.book.decide(id, 'issued', { token, expiresAt: this.decidedExpiry(token) })
      } else {
        this.book.decide(id, 'approved', { expiresAt: record.identityExpiresAt ?? this.now() + DECIDED_TTL_MS })
      }
    } finally {
      this.approving.delete(id)
    }
    await this.persistRequests(options)
  }

  /** Denies a pending request; the requester is told with TOKEN_REQUEST_DENIED (or JOIN_DENIED_BY_LEADER) and `reason`. */
  async deny (id: string, reason?: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.decideDenied(this.pendingRecord(id), reason)
    await this.persistRequests(options)
  }

  private decideDenied (record: RequestRecord, reason = 'denied by the realm operator'): void {
    const expiresAt = record.request.kind === 'token' ? this.now() + DECIDED_TTL_MS : record.identityExpiresAt ?? this.now() + DECIDED_TTL_MS
    this.book.decide(record.request.id, 'denied', { reason, expiresAt })
    const code = record.request.kind === 'token' ? WireErrorCode.TOKEN_REQUEST_DENIED : WireErrorCode.JOIN_DENIED_BY_LEADER
    this.safeDispatchEvent('request:denied', { detail: { peer: record.request.peer, code } })
  }

  /** Forgets a token request its node withdrew, or that no node asked about within the grace. */
  private cancel (record: RequestRecord, why: CancelReason): void {
    this.book.forget(record.request.id)
    this.persistInBackground(this.pendingFile)
    if (record.state === 'pending') this.announceCancel(record, why)
  }

  private announceCancel (record: RequestRecord, why: CancelReason): void {
    this.safeDispatchEvent('request:cancelled', { detail: { ...record.request, attributes: { ...record.request.attributes }, why } })
  }

  /** cancels the token requests whose node has not asked about them within the grace (it went away) */
  private cancelAbandoned (): void {
    // expired first: those leave as expired, whether or not their node still polls
    if (this.book.prune()) this.persistInBackground(this.pendingFile)
    for (const record of this.book.unseenSince(this.now() - this.limits.graceSeconds * 1000)) {
      if (!this.approving.has(record.request.id)) this.cancel(record, 'gone')
    }
  }

  /**
   * Denies every request waiting for the operator (`olderThanMs`: only those that have waited at
   * least that long), with `reason`; returns the ids denied. Resolves once the decisions are on disk.
   * What `realmesh leader deny --all | --older-than` runs: the way out of a queue filled by a flood.
   */
  async denyPending (options: { olderThanMs?: number, reason?: string } & AbortOptions = {}): Promise<string[]> {
    options.signal?.throwIfAborted()
    const olderThanMs = options.olderThanMs ?? 0
    if (!Number.isFinite(olderThanMs) || olderThanMs < 0) throw new LeaderConfigError([{ path: 'olderThanMs', expected: 'a duration in ms, at least 0', got: String(olderThanMs) }], 'denyPending options')
    const before = this.now() - olderThanMs
    const ids = this.book.pending().filter(r => Date.parse(r.requestedAt) <= before && !this.approving.has(r.id)).map(r => r.id)
    for (const id of ids) this.decideDenied(this.pendingRecord(id), options.reason)
    if (ids.length > 0) await this.persistRequests(options)
    return ids
  }

  /**
   * Revokes every token of a peer (`target` a peer id) or one token (`target` a jti) with its
   * renewals (from issued.jsonl, and those of this run): signs a revocation for each, writes them
   * to revoked.json, and hands them to the leader's node, which drops the peer and passes them on
   * to every member (they drop it too, and refuse it from then on). A revoked peer gets no token
   * from this leader again, by policy, renewal or the operator. Resolves with the revocations
   * once they are on disk (with a dir).
   */
  async revoke (target: string, options: { reason?: string } & AbortOptions = {}): Promise<Revocation[]> {
    options.signal?.throwIfAborted()
    const targets = await revocationTargets(target, {
      book: this.revoked,
      now: this.now,
      dir: this.dir,
      issued: (jti) => this.issuedEntries.peek(jti),
      renewedBy: (jti) => this.renewedBy.peek(jti)
    })
    const signed = this.revoked.sign(targets, options.reason ?? '')
    if (this.revokedFile !== undefined) await this.revokedFile.save()
    this.node.revocations.add(signed)
    return signed
  }

  /**
   * Moves `oldPeer`'s grant to `newPeer` (seed 000's node replacement): revokes the old node (as
   * `revoke(oldPeer)` does, reason `replaced by NEW`; not again when it was revoked as a whole
   * before), and issues the new node a token with the old token's attributes and grant end
   * (renewUntil), and, when the old node carried an identity, a new identity token for it bound
   * to the new node. What the old node held comes from issued.jsonl (and this run's tokens).
   * Refused, with nothing changed: PEER_INVALID, REPLACE_INVALID, PEER_UNKNOWN, GRANT_UNKNOWN,
   * GRANT_ENDED, PEER_REVOKED (see planReplacement).
   */
  async replace (oldPeer: string, newPeer: string, options: { reason?: string } & AbortOptions = {}): Promise<ReplaceResult> {
    options.signal?.throwIfAborted()
    const old = ed25519PeerId(oldPeer)
    const found = this.dir === undefined ? new ReplacedTokens(old) : await findReplaced(this.dir, old)
    found.add(this.newest.peek(`node:${old}`))
    found.add(this.newest.peek(`identity:${old}`))
    options.signal?.throwIfAborted()
    const plan = planReplacement({ old, new: newPeer, realm: this.realm, found, refuses: (peer) => this.refusesIssuance(peer), now: this.now, reason: options.reason })
    return carryOut(plan, {
      isPeerRevoked: (peer) => this.revoked.isPeerRevoked(peer),
      revoke: async (peer, reason) => this.revoke(peer, { reason }),
      issue: async (init) => this.issueEntry(init)
    })
  }

  /**
   * Starts a new epoch now: a fresh salt, signed and handed to the leader's node, which spreads it
   * (the schedule goes on from it). What the schedule does every epochSeconds; for an operator who
   * wants subject positions moved at once.
   */
  publishEpoch (): Epoch {
    return this.epochs.publish()
  }

  /** the live revocations this leader signed, lowest seq first */
  revocations (): Revocation[] {
    return this.revoked.list()
  }

  /** the peers revoked as a whole (refused tokens for good) */
  revokedPeers (): RevokedPeer[] {
    return this.revoked.revokedPeers()
  }

  /** whether the token `jti` (of `sub`; without it, of whichever peer it was issued to) is revoked */
  isRevoked (jti: string, sub?: string): boolean {
    if (sub === undefined) return this.revoked.list().some(r => r.jti === jti)
    return this.node.revocations.isRevoked(jti, sub) || this.revoked.isPeerRevoked(sub)
  }

  /** whether this leader refuses to issue `peer` a token: it was revoked, or a token of it is (until that token would have expired) */
  refusesIssuance (peer: string): boolean {
    return this.revoked.isPeerRevoked(peer) || this.node.revocations.of(peer).length > 0
  }


  /** Issues a node token for `peer` now (the operator's path; logged as `manual`). */
  async issueNodeToken (peer: PeerId | string, options: { ttlSeconds?: number, attrs?: Record<string, string> } & AbortOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    return this.issue(ed25519PeerId(peer), options.ttlSeconds ?? this.policy.ttlSeconds, options.attrs ?? {}, 'manual')
  }

  /**
   * Issues an identity token for `identity` bound to `node` now (the operator's path; logged as
   * `manual`, kind `identity`). Nodes do not renew identity tokens: `ttlSeconds` (@default the
   * policy's ttlSeconds) is how long the identity lasts on that node. PEER_REVOKED when either is.
   */
  async issueIdentityToken (identity: PeerId | string, node: PeerId | string, options: { ttlSeconds?: number, attrs?: Record<string, string> } & AbortOptions = {}): Promise<string> {
    options.signal?.throwIfAborted()
    const { token } = await this.issueEntry({ subject: ed25519PeerId(identity), node: ed25519PeerId(node), ttlSeconds: options.ttlSeconds ?? this.policy.ttlSeconds, attrs: options.attrs ?? {}, how: 'manual' })
    return token
  }

  /** Records a new pending request; it is on disk (with a dir) before the requester hears PENDING. */
  private async addPending (record: RequestRecord): Promise<Answer> {
    this.book.add(record)
    try {
      await this.persistRequests()
    } catch {
      this.book.forget(record.request.id)
      return denied(WireErrorCode.INTERNAL, 'the leader could not record the request; try again later')
    }
    this.safeDispatchEvent('request:pending', { detail: { ...record.request, attributes: { ...record.request.attributes } } })
    return pending(record.request.id, this.retryAfterMs)
  }

  // ---- helpers

  private answerComponents (): AnswerComponents {
    return {
      realm: this.realm,
      leader: this.leader,
      policy: this.policy,
      limits: this.limits,
      book: this.book,
      limiter: this.limiter,
      proofs: this.proofs,
      retryAfterMs: this.retryAfterMs,
      now: this.now,
      isMember: (connection) => this.node.admission.isAdmitted(connection),
      memberToken: (connection) => {
        const claims = this.node.membership.get(connection.remotePeer)?.node.claims
        return claims == null ? undefined : { jti: claims.jti, attrs: { ...claims.ext?.attrs }, renewUntil: claims.renewUntil, grantedAt: claims.grantedAt ?? claims.iat }
      },
      isRevoked: (jti, sub) => this.isRevoked(jti, sub),
      refusesIssuance: (peer) => this.refusesIssuance(peer),
      issue: async (peer, ttlSeconds, attrs, how, renewal) => this.issue(peer, ttlSeconds, attrs, how, renewal),
      addPending: async (record) => this.addPending(record),
      forget: (id) => {
        this.book.forget(id)
        this.persistInBackground(this.pendingFile)
      },
      cancel: (record) => { this.cancel(record, 'cancelled') },
      ban: (address, peers, until) => {
        const durationMs = Math.max(0, until - this.now())
        for (const peer of peers) void this.node.ban(peer, `wrong join proofs from ${address}`, durationMs).catch(() => {})
        this.safeDispatchEvent('address:banned', { detail: { address, until, peers } })
      },
      invitationSecret: (id) => this.invitationBook.get(id)?.secret,
      joinWithInvitation: async (id, peer, ttlSeconds) => this.joinWithInvitation(id, peer, ttlSeconds)
    }
  }

  /**
   * A renewal keeps its grant's end (renewUntil) and start (grantedAt, what eligibility to
   * coordinate subjects depends on); a new grant by this policy starts now and gets an end
   * maxLifetimeSeconds from now when the policy renews, none otherwise.
   */
  private async issue (peer: string, ttlSeconds: number, attrs: Record<string, string>, how: IssueHow, renewal?: Renewal, invitation?: string): Promise<string> {
    const renewUntil = renewal?.renewUntil ?? (this.policy.renewable !== false ? Math.floor(this.now() / 1000) + (this.policy.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS) : undefined)
    return (await this.issueEntry({ subject: peer, ttlSeconds, attrs, how, renews: renewal?.renews, renewUntil, grantedAt: renewal?.grantedAt, invitation })).token
  }

  /** Signs and logs one token as given (no policy applied), unless its subject or node is refused tokens (PEER_REVOKED). */
  private async issueEntry (init: Omit<IssueInit, 'realm' | 'now' | 'dir'>): Promise<{ token: string, entry: IssuedEntry }> {
    for (const peer of [init.subject, init.node]) {
      if (peer !== undefined && this.refusesIssuance(peer)) throw new LeaderError('PEER_REVOKED', `the tokens of ${peer} were revoked: this leader issues it no token (see realmesh leader revocations)`)
    }
    const issued = await issueLogged(this.key, { ...init, realm: this.realm, now: this.now, dir: this.dir })
    const { entry } = issued
    const ttlMs = Math.max(0, entry.exp * 1000 - this.now())
    this.issuedEntries.set(entry.jti, entry, ttlMs)
    if (init.renews !== undefined) this.renewedBy.set(init.renews, entry.jti, ttlMs)
    this.newest.set(entry.kind === 'identity' ? `identity:${entry.node ?? ''}` : `node:${entry.peer}`, entry, ttlMs)
    this.safeDispatchEvent('token:issued', { detail: { peer: entry.peer, jti: entry.jti, how: entry.how, kind: entry.kind ?? 'node', ...(entry.node === undefined ? {} : { node: entry.node }) } })
    return issued
  }

  private pendingRecord (id: string): RequestRecord {
    const record = this.book.get(id)
    if (record === undefined) throw new LeaderError('REQUEST_UNKNOWN', `no request with id ${JSON.stringify(id)} (it was never made, expired, or was already collected)`)
    if (record.state !== 'pending' || this.approving.has(id)) throw new LeaderError('REQUEST_ALREADY_DECIDED', `request ${id} was already decided`)
    return record
  }

  private decidedExpiry (token: string): number {
    const exp = (decodeTokenUnverified(token).claims as { exp: number }).exp * 1000
    return Math.min(exp, this.now() + DECIDED_TTL_MS)
  }

  private async load (): Promise<void> {
    if (this.pendingFile !== undefined) {
      const text = await readTextIfExists(this.pendingFile.path)
      if (text !== undefined) for (const record of parseRequests(text, this.pendingFile.path)) this.book.add(record)
      this.book.prune()
    }
    if (this.revokedFile !== undefined) {
      const text = await readTextIfExists(this.revokedFile.path)
      if (text !== undefined) this.revoked.load(text, this.revokedFile.path)
    }
    if (this.invitationsFile !== undefined) {
      const text = await readTextIfExists(this.invitationsFile.path)
      if (text !== undefined) this.invitationBook.load(text, this.invitationsFile.path)
    }
    // the leader's node enforces and spreads what this leader revoked, from its first connection on
    this.node.revocations.add(this.revoked.list())
  }

  private prune (): void {
    if (this.book.prune()) this.persistInBackground(this.pendingFile)
    if (this.revoked.prune()) this.persistInBackground(this.revokedFile)
    if (this.invitationBook.prune()) this.persistInBackground(this.invitationsFile)
    this.issuedEntries.prune()
    this.renewedBy.prune()
    this.newest.prune()
  }

  private async persistRequests (options: AbortOptions = {}): Promise<void> {
    if (this.pendingFile === undefined) return
    const saved = this.pendingFile.save()
    if (options.signal == null) return saved
    // the decision stands either way; the caller only stops waiting for the disk
    saved.catch(() => {})
    const signal = options.signal
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      saved.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  private persistInBackground (file: AtomicFile | undefined): void {
    file?.save().catch((err: unknown) => {
      this.safeDispatchEvent('state:error', { detail: err instanceof Error ? err : new Error(String(err)) })
    })
  }
}
