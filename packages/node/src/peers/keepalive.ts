/**
 * Keepalives on one long-lived stream per member (`/realmesh/keepalive/1`; seed 002's KEEP_ALIVE
 * is a packet on the peers' connection, not a new conversation each time).
 *
 * Why not one stream per keepalive, like the rest of the peers protocol: opening a stream costs
 * a multistream-select negotiation, a peer-store merge and yamux stream setup and teardown. Both
 * ends together spend about 2.3 ms of CPU on a keepalive on a fresh stream against 0.15 ms for a
 * request and its answer on a stream already open (20 members, memory transport, one process).
 * A realm of 100 nodes with about 55 members each sends some 90 keepalives a second, for ever.
 *
 * The first keepalive to a member opens the stream; later ones reuse it until it fails. A
 * keepalive that times out or errors aborts the stream (its answer may still be on the way, and
 * would be read as the next keepalive's), and the next one opens a new stream. A member that does
 * not speak this protocol gets its keepalives on the peers protocol, one stream each, as before.
 *
 * The answering side serves KEEPALIVE requests only, one at a time, each counting as hearing from
 * the member; anything else is a malformed frame and ends the stream. Each keepalive takes from the
 * member's rate limit for this protocol, as opening a stream would: a member cannot make us verify
 * records as fast as it can write frames.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, PeersRequest, PeersResponse, checkPeersRequest, MAX_RECORDS_PER_MESSAGE, RealmeshError, WireErrorCode, MalformedFrameError } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import { deadline } from '../util/signals.js'
import { EMPTY_REQUEST, EMPTY_RESPONSE } from './peers.js'
import type { PeerRecord } from '@realmesh/wire'
import type { Connection, PeerId, Stream, AbortOptions } from '@libp2p/interface'
import type { NoticeSeqs } from '../notices/spread.js'

export interface KeepaliveChannelsDeps {
  /** opens a stream on an admitted connection to `peer` */
  open: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  /** a keepalive on the peers protocol (one stream), for a member without the keepalive protocol */
  fallback: (peer: PeerId, records: PeerRecord[], options: AbortOptions) => Promise<PeerRecord[]>
  /** whether `connection` is an admitted member connection (checked per keepalive received) */
  isMember: (connection: Connection) => boolean
  /** whether the member may send another keepalive now (its rate limit; a refusal counts against it) */
  allow: (connection: Connection) => boolean
  /** a keepalive arrived: the member is alive */
  touch: (connection: Connection) => void
  /** records on a keepalive from `from` */
  onRecords: (records: PeerRecord[], from: Connection) => Promise<void>
  /** the records to answer a keepalive from `from` with */
  piggyFor: (from: Connection) => PeerRecord[]
  /** a malformed keepalive from a member (for scoring) */
  onMalformed: (from: Connection, err: Error) => void
  /** our highest revocation seq and epoch (sent with every keepalive and answer) */
  noticeSeqs: () => NoticeSeqs
  /** a member said it holds notices up to `seqs` (its keepalive, or its answer to ours) */
  onNoticeSeqs: (peer: PeerId, seqs: NoticeSeqs) => void
}

export interface KeepaliveChannelsInit {
  /** most members with an open keepalive stream at once (the least recently used is closed). @default 1024 */
  maxChannels?: number
}

interface Channel {
  stream: Stream
  frames: Frames
  busy: boolean
}

export class KeepaliveChannels {
  private readonly deps: KeepaliveChannelsDeps
  private readonly channels: BoundedMap<string, Channel>
  /** members known not to speak the keepalive protocol (bounded like the channels) */
  private readonly legacy: BoundedMap<string, true>

  constructor (deps: KeepaliveChannelsDeps, init: KeepaliveChannelsInit = {}) {
    this.deps = deps
    const maxSize = init.maxChannels ?? 1024
    this.channels = new BoundedMap({ maxSize, onEvict: (_id, channel) => { channel.stream.abort(new Error('keepalive stream evicted')) } })
    this.legacy = new BoundedMap({ maxSize, ttlMs: 3_600_000 })
  }

  /** open keepalive streams (outbound), for status and tests */
  get size (): number {
    return this.channels.size
  }

  /** Sends a KEEPALIVE with `records` to `peer` and returns the records it answered with. */
  async send (peer: PeerId, records: PeerRecord[], options: AbortOptions = {}): Promise<PeerRecord[]> {
    const id = peer.toString()
    if (this.legacy.has(id)) return this.deps.fallback(peer, records, options)
    let channel = this.channels.get(id)
    if (channel != null && channel.busy) {
      // one keepalive at a time per stream; a second one at once goes the old way
      return this.deps.fallback(peer, records, options)
    }
    if (channel != null && channel.stream.status !== 'open') {
      this.close(peer)
      channel = undefined
    }
    if (channel == null) {
      let stream: Stream
      try {
        stream = await this.deps.open(peer, PROTOCOLS.keepalive, options)
      } catch (err) {
        if ((err as Error).name !== 'UnsupportedProtocolError') throw err
        this.legacy.set(id, true)
        return this.deps.fallback(peer, records, options)
      }
      channel = { stream, frames: new Frames(stream, { protocol: PROTOCOLS.keepalive, maxSize: FRAME_LIMITS.keepalive }), busy: false }
      this.channels.set(id, channel)
    }
    channel.busy = true
    try {
      await channel.frames.write(PeersRequest, { ...EMPTY_REQUEST, type: PeersRequest.Type.KEEPALIVE, records, ...this.deps.noticeSeqs() }, options)
      const response = await channel.frames.read(PeersResponse, options)
      if (response.error != null) throw new RealmeshError(response.error.code, `keepalive refused: ${response.error.reason}`)
      this.deps.onNoticeSeqs(peer, response)
      return response.records.slice(0, MAX_RECORDS_PER_MESSAGE)
    } catch (err) {
      // the stream's state is unknown (an answer may be on its way): never reuse it
      if (this.channels.get(id) === channel) this.channels.delete(id)
      channel.stream.abort(err as Error)
      throw err
    } finally {
      channel.busy = false
    }
  }

  /** Closes the keepalive stream to `peer` (it left, or was dropped). */
  close (peer: PeerId | string): void {
    const id = peer.toString()
    const channel = this.channels.get(id)
    this.legacy.delete(id)
    if (channel == null) return
    this.channels.delete(id)
    channel.stream.abort(new Error('member gone'))
  }

  /** Closes every keepalive stream (the node stops). */
  clear (): void {
    for (const id of [...this.channels.keys()]) this.close(id)
    this.legacy.clear()
  }

  /** The stream handler for /realmesh/keepalive/1 (registered behind the membership gate). */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const frames = new Frames(stream, { protocol: PROTOCOLS.keepalive, maxSize: FRAME_LIMITS.keepalive })
    while (stream.status === 'open') {
      let request: PeersRequest
      try {
        // no deadline: the stream lives as long as the connection, and the member decides how often it asks
        request = await frames.read(PeersRequest)
      } catch (err) {
        // the member closed or reset the stream, or the connection went: nothing to answer
        if (!(err instanceof RealmeshError) || err.code === WireErrorCode.STREAM_CLOSED) return
        this.refuse(stream, frames, connection, err)
        return
      }
      try {
        checkPeersRequest(request)
        if (request.type !== PeersRequest.Type.KEEPALIVE) throw new MalformedFrameError(PROTOCOLS.keepalive, `only KEEPALIVE is sent on ${PROTOCOLS.keepalive}`)
      } catch (err) {
        this.refuse(stream, frames, connection, err as Error)
        return
      }
      if (!this.deps.isMember(connection)) {
        stream.abort(new Error('not a member any more'))
        return
      }
      if (!this.deps.allow(connection)) {
        this.answerError(stream, frames, WireErrorCode.RATE_LIMITED, `more keepalives than ${PROTOCOLS.keepalive} allows`)
        return
      }
      this.deps.touch(connection)
      this.deps.onNoticeSeqs(connection.remotePeer, request)
      await this.deps.onRecords(request.records, connection).catch(() => {})
      const limit = deadline(TIMEOUTS.keepalive)
      try {
        await frames.write(PeersResponse, { ...EMPTY_RESPONSE, records: this.deps.piggyFor(connection), ...this.deps.noticeSeqs() }, { signal: limit.signal })
      } catch (err) {
        stream.abort(err as Error)
        return
      } finally {
        limit.clear()
      }
    }
  }

  private refuse (stream: Stream, frames: Frames, connection: Connection, err: Error): void {
    this.deps.onMalformed(connection, err)
    this.answerError(stream, frames, err instanceof RealmeshError ? err.code : WireErrorCode.FRAME_MALFORMED, err.message)
  }

  /** answers with an error and ends the stream */
  private answerError (stream: Stream, frames: Frames, code: string, reason: string): void {
    void frames.write(PeersResponse, { ...EMPTY_RESPONSE, error: { code, reason } }, { signal: AbortSignal.timeout(1_000) })
      .catch(() => {})
      .finally(() => { stream.abort(new RealmeshError(code, reason)) })
  }
}
