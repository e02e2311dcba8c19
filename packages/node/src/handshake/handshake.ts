/**
 * The realmesh handshake (seed 001 step 1, seed 004): after Noise has authenticated the peer ids,
 * each side proves it holds a node token of this realm for exactly that peer id, and that it is
 * here now (timestamp + nonce, signed for the other end of this connection).
 *
 *   initiator                                 responder
 *     | --- Hello(token, ts, nonce, for=R, sig) --> |  verify: version, token (sub = initiator),
 *     |                                             |  for = R, |now - ts| <= window, sig, nonce unseen
 *     | <-- HandshakeReply(Hello signed for I) ---  |  (or HandshakeReply(error) and close)
 *     |  verify the same way                        |
 *     | --- HandshakeDone(ok | error) ------------> |
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { verifyNodeToken, tokenHash, TokenError, signBytes, verifyPeerSignature } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, WIRE_VERSION, WireErrorCode, Hello, HandshakeReply, HandshakeDone, checkHello, handshakeSigningBytes, RealmeshError, NONCE_BYTES } from '@realmesh/wire'
import { HandshakeError } from '../errors.js'
import { BoundedMap } from '../util/bounded-map.js'
import { withTimeout } from '../util/signals.js'
import type { Connection, PeerId, PrivateKey, Stream, AbortOptions } from '@libp2p/interface'
import type { NodeTokenClaims, RealmDescriptor, TokenCache, VerifiedToken } from '@realmesh/token'
import type { NoticeSeqs } from '../notices/spread.js'

export interface HandshakeInit {
  /** how long the whole exchange may take, in milliseconds (seed 004). @default 30000 */
  timeoutMs?: number
  /** a Hello whose timestamp is further than this from our clock is refused (HANDSHAKE_TIMESTAMP). @default 30000 */
  windowMs?: number
  /** nonces remembered to refuse replays; they are kept for 2 x windowMs. @default 50000 */
  nonceCacheSize?: number
  /** clock skew tolerated on token exp/nbf, in seconds. @default 30 */
  tokenSkewSeconds?: number
}

export interface HandshakeComponents {
  peerId: PeerId
  privateKey: PrivateKey
  realm: RealmDescriptor
  /** the node token we present; undefined while we have none (then we cannot handshake) */
  nodeToken: () => string | undefined
  tokenCache: TokenCache
  isRevoked: (jti: string, sub: string) => boolean
  now: () => number
  /** our highest revocation seq and epoch, sent in our Hello. @default 0 and 0 */
  noticeSeqs?: () => NoticeSeqs
  /** a verified Hello said the remote holds notices up to `seqs` */
  onNoticeSeqs?: (remote: PeerId, seqs: NoticeSeqs) => void
}

export type VerifiedNode = VerifiedToken<NodeTokenClaims>

export class Handshake {
  readonly timeoutMs: number
  private readonly windowMs: number
  private readonly skewSeconds: number
  private readonly nonces: BoundedMap<string, true>
  private readonly components: HandshakeComponents

  constructor (components: HandshakeComponents, init: HandshakeInit = {}) {
    this.components = components
    this.timeoutMs = init.timeoutMs ?? 30_000
    this.windowMs = init.windowMs ?? 30_000
    this.skewSeconds = init.tokenSkewSeconds ?? 30
    this.nonces = new BoundedMap({ maxSize: init.nonceCacheSize ?? 50_000, ttlMs: 2 * this.windowMs, now: components.now })
  }

  /** Runs the initiator side on `connection`; resolves with the responder's verified node token. */
  async initiate (connection: Connection, options: AbortOptions = {}): Promise<VerifiedNode> {
    const remote = connection.remotePeer
    const signal = withTimeout(options, this.timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(PROTOCOLS.handshake, { signal })
      const frames = new Frames(stream, { protocol: PROTOCOLS.handshake, maxSize: FRAME_LIMITS.handshake })
      await frames.write(Hello, await this.makeHello(remote), { signal })
      const reply = await frames.read(HandshakeReply, { signal })
      if (reply.error != null || reply.hello == null) {
        const code = reply.error?.code ?? WireErrorCode.FRAME_MALFORMED
        throw new HandshakeError(code, `${remote.toString()} refused our handshake: ${code} ${reply.error?.reason ?? 'no Hello in reply'}`, { peer: remote.toString(), byRemote: true })
      }
      let verified: VerifiedNode
      try {
        verified = await this.verifyHello(reply.hello, remote)
      } catch (err) {
        const e = asHandshakeError(err, remote)
        await frames.write(HandshakeDone, { error: { code: e.code, reason: e.message } }, { signal }).catch(() => {})
        throw e
      }
      await frames.write(HandshakeDone, {}, { signal })
      await stream.close({ signal })
      return verified
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      throw asHandshakeError(err, remote, signal)
    }
  }

  /** Runs the responder side on an inbound handshake stream; resolves with the initiator's verified node token. */
  async respond (stream: Stream, connection: Connection): Promise<VerifiedNode> {
    const remote = connection.remotePeer
    const signal = AbortSignal.timeout(this.timeoutMs)
    const frames = new Frames(stream, { protocol: PROTOCOLS.handshake, maxSize: FRAME_LIMITS.handshake })
    try {
      const hello = await frames.read(Hello, { signal })
      let verified: VerifiedNode
      try {
        verified = await this.verifyHello(hello, remote)
      } catch (err) {
        const e = asHandshakeError(err, remote)
        await frames.write(HandshakeReply, { error: { code: e.code, reason: e.message } }, { signal }).catch(() => {})
        await stream.close({ signal }).catch(() => {})
        throw e
      }
      await frames.write(HandshakeReply, { hello: await this.makeHello(remote) }, { signal })
      const done = await frames.read(HandshakeDone, { signal })
      if (done.error != null) {
        throw new HandshakeError(done.error.code, `${remote.toString()} refused our handshake: ${done.error.code} ${done.error.reason}`, { peer: remote.toString(), byRemote: true })
      }
      await stream.close({ signal }).catch(() => {})
      return verified
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw asHandshakeError(err, remote, signal)
    }
  }

  async makeHello (remote: PeerId): Promise<Hello> {
    const token = this.components.nodeToken()
    if (token == null) {
      throw new HandshakeError(WireErrorCode.HANDSHAKE_REQUIRED, 'this node has no node token yet', { peer: remote.toString(), byRemote: false })
    }
    const nonce = Uint8Array.from(randomBytes(NONCE_BYTES))
    const timestamp = BigInt(this.components.now())
    const forPeer = Uint8Array.from(remote.toMultihash().bytes)
    const signature = signBytes(this.components.privateKey, handshakeSigningBytes({ tokenHash: tokenHash(token), timestamp, nonce, remotePeer: remote }))
    return { version: WIRE_VERSION, nodeToken: token, timestamp, nonce, signature, forPeer, ...(this.components.noticeSeqs?.() ?? { revocationSeq: 0n, epoch: 0n }) }
  }

  /**
   * Checks, in order: shape, version, node token (signature, realm, issuer, sub = `remote`),
   * addressee, timestamp window, signature, nonce unseen. The nonce is remembered only once
   * everything else passed, so unauthenticated junk cannot fill the cache.
   */
  async verifyHello (hello: Hello, remote: PeerId): Promise<VerifiedNode> {
    checkHello(hello)
    const peer = remote.toString()
    if (hello.version !== WIRE_VERSION) {
      throw new HandshakeError(WireErrorCode.VERSION_MISMATCH, `${peer} speaks realmesh wire version ${hello.version}; this node speaks ${WIRE_VERSION}`, { peer, byRemote: false })
    }
    const verified = await verifyNodeToken(hello.nodeToken, {
      realm: this.components.realm,
      expectedPeer: remote,
      cache: this.components.tokenCache,
      now: this.components.now,
      skewSeconds: this.skewSeconds,
      isRevoked: this.components.isRevoked
    })
    if (!equalBytes(hello.forPeer, this.components.peerId.toMultihash().bytes)) {
      throw new HandshakeError(WireErrorCode.HANDSHAKE_WRONG_PEER, `${peer} sent a Hello signed for ${describePeer(hello.forPeer)}, not for this node`, { peer, byRemote: false })
    }
    const now = this.components.now()
    const skew = Math.abs(now - Number(hello.timestamp))
    if (skew > this.windowMs) {
      throw new HandshakeError(WireErrorCode.HANDSHAKE_TIMESTAMP, `${peer}'s Hello is ${skew} ms away from our clock; at most ${this.windowMs} ms is accepted`, { peer, byRemote: false })
    }
    const signed = handshakeSigningBytes({ tokenHash: verified.hash, timestamp: hello.timestamp, nonce: hello.nonce, remotePeer: this.components.peerId })
    if (!verifyPeerSignature(verified.claims.sub, signed, hello.signature)) {
      throw new HandshakeError(WireErrorCode.HANDSHAKE_BAD_SIGNATURE, `${peer}'s Hello signature does not verify with its node key`, { peer, byRemote: false })
    }
    const nonceKey = `${peer}/${Buffer.from(hello.nonce).toString('hex')}`
    if (this.nonces.has(nonceKey)) {
      throw new HandshakeError(WireErrorCode.HANDSHAKE_REPLAY, `${peer} reused a handshake nonce`, { peer, byRemote: false })
    }
    this.nonces.set(nonceKey, true)
    this.components.onNoticeSeqs?.(remote, hello)
    return verified
  }
}

function asHandshakeError (err: unknown, remote: PeerId, signal?: AbortSignal): HandshakeError {
  const peer = remote.toString()
  if (err instanceof HandshakeError) return err
  if (signal?.aborted === true && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
    return new HandshakeError(WireErrorCode.HANDSHAKE_TIMEOUT, `handshake with ${peer} timed out`, { peer, byRemote: false, cause: err })
  }
  if (err instanceof TokenError || err instanceof RealmeshError) {
    return new HandshakeError(err.code, err.message, { peer, byRemote: false, cause: err })
  }
  return new HandshakeError(WireErrorCode.STREAM_CLOSED, `handshake with ${peer} failed: ${(err as Error)?.message ?? String(err)}`, { peer, byRemote: false, cause: err })
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}

function describePeer (multihash: Uint8Array): string {
  try {
    return peerIdFromMultihash(Digest.decode(multihash)).toString()
  } catch {
    return 'an unparseable peer id'
  }
}
