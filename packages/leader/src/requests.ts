/**
 * The book of requests the leader could not answer at once: token requests waiting for the
 * operator (mode 'manual') and identities members deferred (policy.deferred 'manual'), with their
 * outcome until the requester has collected it.
 *
 * Bounded twice: at most `maxPending` undecided requests (more are refused with BUSY, see
 * LeaderService), at most `maxDecided` decided ones (the oldest is forgotten first), and every
 * record has an expiry. The book also knows how many undecided token requests came from each
 * source address, and when each token request was last asked about (in memory only: a restarted
 * leader counts from its start). The book is pure state; LeaderService persists it as pending.json.
 */
import { randomText } from '@realmesh/token'
import { LeaderError } from './errors.js'

export interface PendingRequest {
  /** short, url-safe id (12 characters of base64url), what the operator approves or denies */
  id: string
  kind: 'token' | 'deferred'
  /** token: the peer asking for a node token; deferred: the member that forwarded the identity */
  peer: string
  /** token: the attributes asked for (they go into the token's ext.attrs); deferred: the identity's ext.attrs */
  attributes: Record<string, string>
  /** when the request was made, ISO 8601 */
  requestedAt: string
  /** deferred: the identity token's `sub` (for an identity that is the node itself, the node's peer id) */
  identity?: string
  /** token: the source address the request came from (an IPv4 address, an IPv6 /64; see source-address.ts) */
  address?: string
}

/** pending: waiting for the operator; issued / approved / denied: decided, kept until collected or expired */
export type RequestState = 'pending' | 'issued' | 'approved' | 'denied'

export interface RequestRecord {
  request: PendingRequest
  state: RequestState
  /** token requests: the lifetime the token gets, seconds (already capped by the policy) */
  ttlSeconds?: number
  /** state issued: the node token waiting for the requester's next TOKEN or STATUS */
  token?: string
  /** state denied: the operator's reason */
  reason?: string
  /** deferred: hex sha256 of the identity token (what later DEFER requests are matched by) */
  tokenHash?: string
  /** deferred: when the identity token expires, ms since the epoch (its decision is kept until then) */
  identityExpiresAt?: number
  /** ms since the epoch after which the record is forgotten */
  expiresAt: number
}

export interface RequestBookInit {
  maxPending: number
  maxDecided: number
  now: () => number
  /** a record reached its expiry and was dropped */
  onExpired?: (record: RequestRecord) => void
}

const ID = /^[A-Za-z0-9_-]{1,128}$/

export class RequestBook {
  /** insertion order is age order: the first decided record is the oldest */
  private readonly records = new Map<string, RequestRecord>()
  private readonly tokenByPeer = new Map<string, string>()
  private readonly deferredByHash = new Map<string, string>()
  /** undecided token requests per source address */
  private readonly pendingByAddress = new Map<string, number>()
  /** token request id -> when its requester last asked about it, ms since the epoch */
  private readonly seen = new Map<string, number>()
  private readonly init: RequestBookInit

  constructor (init: RequestBookInit) {
    this.init = init
  }

  get size (): number {
    return this.records.size
  }

  get (id: string): RequestRecord | undefined {
    return this.live(this.records.get(id))
  }

  /** the token request of `peer` (pending, or decided and not yet collected) */
  tokenRequestOf (peer: string): RequestRecord | undefined {
    const id = this.tokenByPeer.get(peer)
    return id === undefined ? undefined : this.get(id)
  }

  /** the deferral of the identity token with this hash (pending, or its decision) */
  deferralOf (tokenHash: string): RequestRecord | undefined {
    const id = this.deferredByHash.get(tokenHash)
    return id === undefined ? undefined : this.get(id)
  }

  pendingCount (): number {
    this.prune()
    let count = 0
    for (const record of this.records.values()) if (record.state === 'pending') count++
    return count
  }

  isFull (): boolean {
    return this.pendingCount() >= this.init.maxPending
  }

  /** undecided token requests from `address` */
  pendingFrom (address: string): number {
    return this.pendingByAddress.get(address) ?? 0
  }

  /** the requester of token request `id` asked about it now */
  touch (id: string): void {
    if (this.seen.has(id)) this.seen.set(id, this.init.now())
  }

  /** undecided token requests nobody asked about since `before` (ms since the epoch) */
  unseenSince (before: number): RequestRecord[] {
    return [...this.records.values()].filter(r => r.state === 'pending' && (this.seen.get(r.request.id) ?? Infinity) < before)
  }

  /** the undecided requests, oldest first */
  pending (): PendingRequest[] {
    this.prune()
    return [...this.records.values()].filter(r => r.state === 'pending').map(r => ({ ...r.request, attributes: { ...r.request.attributes } }))
  }

  /** every live record (for persistence) */
  list (): RequestRecord[] {
    this.prune()
    return [...this.records.values()]
  }

  /**
   * A fresh id no live record has. Never one starting with '-': the operator types it as an
   * argument (`realmesh leader approve ID`), where it would be read as an option (1 id in 64).
   */
  newId (): string {
    while (true) {
      const id = randomText(9)
      if (!this.records.has(id)) return id
    }
  }

  add (record: RequestRecord): void {
    const id = record.request.id
    if (!ID.test(id)) throw new RangeError(`request id ${JSON.stringify(id)} is not 1..128 url-safe characters`)
    this.forget(id)
    this.records.set(id, record)
    this.countPending(record, 1)
    if (record.request.kind === 'token') {
      this.seen.set(id, this.init.now())
      const previous = this.tokenByPeer.get(record.request.peer)
      if (previous !== undefined && previous !== id) this.forget(previous)
      this.tokenByPeer.set(record.request.peer, id)
    } else if (record.tokenHash !== undefined) {
      const previous = this.deferredByHash.get(record.tokenHash)
      if (previous !== undefined && previous !== id) this.forget(previous)
      this.deferredByHash.set(record.tokenHash, id)
    }
    this.enforceDecidedBound()
  }

  /** records a decision on a pending request */
  decide (id: string, state: Exclude<RequestState, 'pending'>, change: { token?: string, reason?: string, expiresAt: number }): RequestRecord {
    const record = this.get(id)
    if (record === undefined) throw new LeaderError('REQUEST_UNKNOWN', `no request with id ${id} (see pending())`)
    if (record.state !== 'pending') throw new LeaderError('REQUEST_ALREADY_DECIDED', `request ${id} was already decided (${record.state})`)
    this.countPending(record, -1)
    record.state = state
    record.expiresAt = change.expiresAt
    if (change.token !== undefined) record.token = change.token
    if (change.reason !== undefined) record.reason = change.reason
    this.enforceDecidedBound()
    return record
  }

  forget (id: string): void {
    const record = this.records.get(id)
    if (record === undefined) return
    this.records.delete(id)
    this.countPending(record, -1)
    this.seen.delete(id)
    if (this.tokenByPeer.get(record.request.peer) === id) this.tokenByPeer.delete(record.request.peer)
    if (record.tokenHash !== undefined && this.deferredByHash.get(record.tokenHash) === id) this.deferredByHash.delete(record.tokenHash)
  }

  /** drops expired records; true when something was dropped */
  prune (): boolean {
    const now = this.init.now()
    let dropped = false
    for (const record of this.records.values()) {
      if (record.expiresAt <= now) {
        this.expire(record)
        dropped = true
      }
    }
    return dropped
  }

  private expire (record: RequestRecord): void {
    this.forget(record.request.id)
    this.init.onExpired?.(record)
  }

  private countPending (record: RequestRecord, delta: 1 | -1): void {
    const address = record.request.address
    if (record.state !== 'pending' || address === undefined) return
    const count = (this.pendingByAddress.get(address) ?? 0) + delta
    if (count > 0) this.pendingByAddress.set(address, count)
    else this.pendingByAddress.delete(address)
  }

  private live (record: RequestRecord | undefined): RequestRecord | undefined {
    if (record === undefined) return undefined
    if (record.expiresAt <= this.init.now()) {
      this.expire(record)
      return undefined
    }
    return record
  }

  private enforceDecidedBound (): void {
    let decided = 0
    for (const record of this.records.values()) if (record.state !== 'pending') decided++
    for (const [id, record] of this.records) {
      if (decided <= this.init.maxDecided) break
      if (record.state !== 'pending') {
        this.forget(id)
        decided--
      }
    }
  }
}

const STATES: readonly string[] = ['pending', 'issued', 'approved', 'denied']

/** pending.json: `{ version: 1, requests: RequestRecord[] }` */
export function renderRequests (records: RequestRecord[]): string {
  return `${JSON.stringify({ version: 1, requests: records }, null, 2)}\n`
}

/** Parses pending.json; throws LeaderError STATE_FILE_INVALID naming the bad entry. */
export function parseRequests (text: string, path: string): RequestRecord[] {
  const bad = (where: string, expected: string): never => {
    throw new LeaderError('STATE_FILE_INVALID', `${path}: ${where} is not ${expected}; fix or delete the file (the requests in it are then forgotten)`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return bad('the file', 'JSON')
  }
  if (!isRecord(doc) || doc.version !== 1 || !Array.isArray(doc.requests)) return bad('the file', 'an object { version: 1, requests: [...] }')
  return doc.requests.map((entry: unknown, i): RequestRecord => {
    const where = `requests[${i}]`
    if (!isRecord(entry) || !isRecord(entry.request)) return bad(where, 'an object with a request')
    const r = entry.request
    if (typeof r.id !== 'string' || !ID.test(r.id)) return bad(`${where}.request.id`, 'a url-safe id')
    if (r.kind !== 'token' && r.kind !== 'deferred') return bad(`${where}.request.kind`, '"token" or "deferred"')
    if (typeof r.peer !== 'string' || typeof r.requestedAt !== 'string') return bad(`${where}.request`, 'an object with peer and requestedAt strings')
    if (!isRecord(r.attributes) || !Object.values(r.attributes).every(v => typeof v === 'string')) return bad(`${where}.request.attributes`, 'an object of strings')
    if (r.identity !== undefined && typeof r.identity !== 'string') return bad(`${where}.request.identity`, 'a string')
    if (r.address !== undefined && (typeof r.address !== 'string' || r.address.length > 256)) return bad(`${where}.request.address`, 'an address of at most 256 characters')
    if (typeof entry.state !== 'string' || !STATES.includes(entry.state)) return bad(`${where}.state`, 'pending, issued, approved or denied')
    if (typeof entry.expiresAt !== 'number' || !Number.isFinite(entry.expiresAt)) return bad(`${where}.expiresAt`, 'a number')
    for (const field of ['token', 'reason', 'tokenHash'] as const) {
      if (entry[field] !== undefined && typeof entry[field] !== 'string') return bad(`${where}.${field}`, 'a string')
    }
    if (entry.identityExpiresAt !== undefined && (typeof entry.identityExpiresAt !== 'number' || !Number.isFinite(entry.identityExpiresAt))) return bad(`${where}.identityExpiresAt`, 'a number')
    if (entry.ttlSeconds !== undefined && (typeof entry.ttlSeconds !== 'number' || !Number.isSafeInteger(entry.ttlSeconds) || entry.ttlSeconds < 1)) return bad(`${where}.ttlSeconds`, 'a positive whole number')
    if (entry.state === 'issued' && typeof entry.token !== 'string') return bad(`${where}.token`, 'the issued token')
    if (r.kind === 'deferred' && typeof entry.tokenHash !== 'string') return bad(`${where}.tokenHash`, 'the identity token hash')
    const request: PendingRequest = { id: r.id, kind: r.kind, peer: r.peer, attributes: { ...(r.attributes as Record<string, string>) }, requestedAt: r.requestedAt }
    if (typeof r.identity === 'string') request.identity = r.identity
    if (typeof r.address === 'string') request.address = r.address
    const record: RequestRecord = { request, state: entry.state as RequestState, expiresAt: entry.expiresAt }
    if (typeof entry.ttlSeconds === 'number') record.ttlSeconds = entry.ttlSeconds
    if (typeof entry.token === 'string') record.token = entry.token
    if (typeof entry.reason === 'string') record.reason = entry.reason
    if (typeof entry.tokenHash === 'string') record.tokenHash = entry.tokenHash
    if (typeof entry.identityExpiresAt === 'number') record.identityExpiresAt = entry.identityExpiresAt
    return record
  })
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
