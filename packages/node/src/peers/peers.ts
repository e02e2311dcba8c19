/**
 * The peers protocol among members (seed 001 step 3, seed 002): UPDATE (records of members that
 * just joined), NLIST (the records closest to a key), LEAVE (a graceful stop) and DISCONNECT (a
 * deliberate drop with a reason). One request and one response per stream.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, PeersRequest, PeersResponse, checkPeersRequest, MAX_RECORDS_PER_MESSAGE, RealmeshError, WireErrorCode, RemoteError } from '@realmesh/wire'
import { withTimeout } from '../util/signals.js'
import type { PeerRecord } from '@realmesh/wire'
import type { Connection, Stream, AbortOptions } from '@libp2p/interface'
import type { LeaveReason } from '../membership/membership.js'

export interface PeersHandlers {
  /** records in an UPDATE, PIGGY or KEEPALIVE from `from`; errors are counted by the caller */
  onRecords: (records: PeerRecord[], from: Connection) => Promise<void>
  /** the records to answer a KEEPALIVE from `from` with */
  piggyFor: (from: Connection) => PeerRecord[]
  /** the records we know closest to `key` */
  closestRecords: (key: Uint8Array, count: number, from: Connection) => PeerRecord[]
  /** the remote leaves or drops us */
  onLeave: (from: Connection, reason: LeaveReason, code: string, text: string) => void
  /** a malformed request from a member (for scoring) */
  onMalformed: (from: Connection, err: Error) => void
}

export class Peers {
  private readonly handlers: PeersHandlers

  constructor (handlers: PeersHandlers) {
    this.handlers = handlers
  }

  /** The stream handler for /realmesh/peers/1 (registered behind the membership gate). */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(TIMEOUTS.peers)
    const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
    let request: PeersRequest
    try {
      request = await frames.read(PeersRequest, { signal })
      checkPeersRequest(request)
    } catch (err) {
      this.handlers.onMalformed(connection, err as Error)
      const code = err instanceof RealmeshError ? err.code : WireErrorCode.FRAME_MALFORMED
      await frames.write(PeersResponse, { records: [], error: { code, reason: (err as Error).message } }, { signal }).catch(() => {})
      stream.abort(err as Error)
      return
    }
    let response: PeersResponse = { records: [] }
    switch (request.type) {
      case PeersRequest.Type.UPDATE:
      case PeersRequest.Type.PIGGY:
        await this.handlers.onRecords(request.records, connection)
        break
      case PeersRequest.Type.KEEPALIVE:
        await this.handlers.onRecords(request.records, connection)
        response = { records: this.handlers.piggyFor(connection) }
        break
      case PeersRequest.Type.NLIST:
        response = { records: this.handlers.closestRecords(request.key, Math.min(request.count === 0 ? 20 : request.count, MAX_RECORDS_PER_MESSAGE), connection) }
        break
      case PeersRequest.Type.LEAVE:
        this.handlers.onLeave(connection, 'leave', request.code, request.reason)
        break
      case PeersRequest.Type.DISCONNECT:
        this.handlers.onLeave(connection, 'disconnect', request.code, request.reason)
        break
      default:
        break
    }
    await frames.write(PeersResponse, response, { signal }).catch(() => {})
    await stream.close({ signal }).catch(() => {})
  }

  /** Sends `request` on a stream opened by `open` and returns the response's records. */
  async send (open: (options: AbortOptions) => Promise<Stream>, request: Partial<PeersRequest> & Pick<PeersRequest, 'type'>, options: AbortOptions = {}): Promise<PeerRecord[]> {
    const signal = withTimeout(options, TIMEOUTS.peers)
    const stream = await open({ signal })
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
      await frames.write(PeersRequest, { records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', ...request }, { signal })
      const response = await frames.read(PeersResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (response.error != null) throw new RemoteError(response.error.code, response.error.reason, 'peers request refused')
      return response.records.slice(0, MAX_RECORDS_PER_MESSAGE)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}
