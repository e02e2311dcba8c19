/**
 * /realmesh/<realm>/summary/1 (members only): a member's status in a few figures, signed by its
 * libp2p key. node.realmSummaries() asks the members in parallel, so that one daemon can show the
 * whole realm. A summary that does not verify (wrong signer, wrong realm, tampered bytes) is
 * dropped; the member counts as not answering.
 */
import { readFileSync } from 'node:fs'
import { peerIdFromString } from '@libp2p/peer-id'
import { Frames, MAX_SUMMARY_BYTES, RealmeshError, RemoteError, StatusSummary, SummaryRequest, SummaryResponse, TIMEOUTS, WireErrorCode, summaryProtocol, summarySigningBytes } from '@realmesh/wire'
import { RateLimiter } from '../security/rate-limit.js'
import { BoundedMap } from '../util/bounded-map.js'
import { withTimeout } from '../util/signals.js'
import { codeOf } from '../subjects/subject-protocol.js'
import type { AbortOptions, Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'

/** the @realmesh/node version (src/summary and dist/src/summary both sit three levels below the package root) */
const VERSION = ((): string => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
})()

/** A member's verified summary (the figures as the member signed them). */
export interface RealmSummary {
  peerId: string
  version: string
  uptimeMs: number
  /** when the member made it, ms since the epoch */
  time: number
  members: number
  routingTable: number
  subjects: number
  coordinating: number
  delivered: number
  duplicates: number
  rejected: number
  reachability: string
  /** what the member signed, for a relay to pass on: base64 of the encoded StatusSummary and of its signature */
  signed: { summary: string, signature: string }
}

export interface RealmSummariesOptions extends AbortOptions {
  /** most members asked. @default 64 (at most 1024) */
  max?: number
  /** each member's answer, ms. @default 5000 */
  timeoutMs?: number
}

export interface RealmSummariesResult {
  /** this node's own, then the members' that answered, by peer id */
  summaries: RealmSummary[]
  /** members asked that did not answer with a valid summary, with why (a code) */
  missing: Array<{ peerId: string, code: string }>
}

/** the figures a summary carries, from the node (everything but the ids and the clock) */
export type SummaryFigures = Omit<StatusSummary, 'peerId' | 'realm' | 'version' | 'time'>

export interface SummariesDeps {
  realmId: string
  privateKey: PrivateKey
  self: PeerId
  figures: () => SummaryFigures
  members: () => string[]
  open: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  /** an asker over the answer rate limit, for scoring */
  overLimit: (peer: string) => void
  now: () => number
}

/** members asked at once */
const CONCURRENCY = 8
/** how long an answer (or a member's silence) is reused: a dashboard polling every second fans out every 10 s */
const CACHE_TTL_MS = 10_000
const MAX_ASKED = 1024
/** longest wait for one member's answer a caller may ask for */
const MAX_TIMEOUT_MS = 60_000

type Answer = { summary: RealmSummary } | { code: string }

export class Summaries {
  readonly protocol: string
  private readonly deps: SummariesDeps
  /** answers: a member polled often is asked again only after CACHE_TTL_MS */
  private readonly cache: BoundedMap<string, Answer>
  /** summaries answered per asker: one every 2 s, 5 at once (the guard's stream limit is the looser backstop) */
  private readonly limiter: RateLimiter

  constructor (deps: SummariesDeps) {
    this.deps = deps
    this.protocol = summaryProtocol(deps.realmId)
    this.cache = new BoundedMap({ maxSize: MAX_ASKED, ttlMs: CACHE_TTL_MS, now: deps.now })
    this.limiter = new RateLimiter({ [this.protocol]: { perSecond: 0.5, burst: 5 } }, undefined, { maxBuckets: 4096, now: deps.now })
  }

  /** this node's summary, signed */
  async own (): Promise<SummaryResponse> {
    const summary = StatusSummary.encode({
      ...this.deps.figures(),
      peerId: this.deps.self.toString(),
      realm: this.deps.realmId,
      version: VERSION,
      time: BigInt(this.deps.now())
    })
    const signature = await this.deps.privateKey.sign(summarySigningBytes(this.deps.realmId, summary))
    return { summary, signature: Uint8Array.from(signature) }
  }

  /** asks up to `max` members for their summaries, CONCURRENCY at a time; cached answers are reused */
  async collect (options: RealmSummariesOptions = {}): Promise<RealmSummariesResult> {
    const max = options.max ?? 64
    const timeoutMs = options.timeoutMs ?? TIMEOUTS.summary
    if (!Number.isInteger(max) || max < 1 || max > MAX_ASKED) throw new SummaryOptionError(`max is a whole number from 1 to ${MAX_ASKED}, got ${String(max)}`)
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) throw new SummaryOptionError(`timeoutMs is more than 0 and at most ${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`)
    const peers = this.deps.members().filter(p => p !== this.deps.self.toString()).slice(0, max)
    const answers = new Map<string, Answer>()
    let next = 0
    const worker = async (): Promise<void> => {
      for (let peer = peers[next++]; peer != null; peer = peers[next++]) {
        options.signal?.throwIfAborted()
        answers.set(peer, this.cache.get(peer) ?? await this.answerOf(peer, { signal: options.signal, timeoutMs }))
      }
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, peers.length) }, worker))
    options.signal?.throwIfAborted()
    const summaries = [await verify(this.deps.realmId, await this.own(), this.deps.self.toString())]
    const missing: RealmSummariesResult['missing'] = []
    for (const peer of peers.sort()) {
      const answer = answers.get(peer)
      if (answer == null) continue
      if ('summary' in answer) summaries.push(answer.summary)
      else missing.push({ peerId: peer, code: answer.code })
    }
    return { summaries, missing }
  }

  /** one member's verified summary; throws a typed error (RemoteError RATE_LIMITED, SUMMARY_INVALID, ...) */
  async ask (peer: PeerId, options: AbortOptions & { timeoutMs?: number } = {}): Promise<RealmSummary> {
    const signal = withTimeout(options, options.timeoutMs ?? TIMEOUTS.summary)
    const stream = await this.deps.open(peer, this.protocol, { signal })
    try {
      const frames = new Frames(stream, { protocol: this.protocol, maxSize: MAX_SUMMARY_BYTES })
      await frames.write(SummaryRequest, {}, { signal })
      const response = await frames.read(SummaryResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (response.error != null) throw new RemoteError(response.error.code, response.error.reason, `summary from ${peer.toString()} refused`)
      return await verify(this.deps.realmId, response, peer.toString())
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(TIMEOUTS.summary)
    const peer = connection.remotePeer.toString()
    const frames = new Frames(stream, { protocol: this.protocol, maxSize: MAX_SUMMARY_BYTES })
    try {
      await frames.read(SummaryRequest, { signal })
      let response: SummaryResponse
      if (this.limiter.take(peer, this.protocol)) {
        response = await this.own()
      } else {
        this.deps.overLimit(peer)
        response = { summary: new Uint8Array(0), signature: new Uint8Array(0), error: { code: WireErrorCode.RATE_LIMITED, reason: 'summaries: one every 2 s, 5 at once' } }
      }
      await frames.write(SummaryResponse, response, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  private async answerOf (peer: string, options: AbortOptions & { timeoutMs: number }): Promise<Answer> {
    let answer: Answer
    try {
      answer = { summary: await this.ask(peerIdFromString(peer), options) }
    } catch (err) {
      // the caller gave up: that says nothing about the member, so nothing is cached
      if (options.signal?.aborted === true) throw err
      answer = { code: codeOf(err) }
    }
    this.cache.set(peer, answer)
    return answer
  }
}

/** A summary that is not `signer`'s own word for this realm (bad signature, other signer or realm, bytes that do not decode). */
export class SummaryInvalidError extends RealmeshError {
  constructor (message: string) {
    super('SUMMARY_INVALID', message)
  }
}

/** realmSummaries() options out of range (SUMMARY_OPTION_INVALID): nothing is asked */
export class SummaryOptionError extends RealmeshError {
  constructor (message: string) {
    super('SUMMARY_OPTION_INVALID', message)
  }
}

/** The summary in `response` if `signer` signed it for this realm; else SummaryInvalidError. */
export async function verify (realmId: string, response: SummaryResponse, signer: string): Promise<RealmSummary> {
  let summary: StatusSummary
  try {
    summary = StatusSummary.decode(response.summary)
  } catch {
    throw new SummaryInvalidError(`the summary sent by ${signer} does not decode`)
  }
  if (summary.peerId !== signer || summary.realm !== realmId) throw new SummaryInvalidError(`summary of ${summary.peerId} in realm ${summary.realm} sent by ${signer}`)
  const key = peerIdFromString(signer).publicKey
  if (key == null || !(await key.verify(summarySigningBytes(realmId, response.summary), response.signature))) throw new SummaryInvalidError(`the summary sent by ${signer} is not signed by its key`)
  return {
    peerId: summary.peerId,
    version: summary.version,
    uptimeMs: Number(summary.uptimeMs),
    time: Number(summary.time),
    members: summary.members,
    routingTable: summary.routingTable,
    subjects: summary.subjects,
    coordinating: summary.coordinating,
    delivered: Number(summary.delivered),
    duplicates: Number(summary.duplicates),
    rejected: Number(summary.rejected),
    reachability: summary.reachability,
    signed: { summary: Buffer.from(response.summary).toString('base64'), signature: Buffer.from(response.signature).toString('base64') }
  }
}
