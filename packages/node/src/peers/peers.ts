/**
 * The peers protocol among members (seed 001 step 3, seed 002): UPDATE (records of members that
 * just joined), NLIST (the records closest to a key), LEAVE (a graceful stop), DISCONNECT (a
 * deliberate drop with a reason, and the revocations behind it when it is one), NOTICES (the
 * leader's revocations and epochs learnt, or a request for those after what the asker holds; see
 * notices/spread.ts), and a sleepy member's AVAIL (seed 000's NODE-AVAIL: it woke; the answer
 * says whether messages wait for it) and SLEEP (see sleep/). One request and one response per
 * stream.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, PeersRequest, PeersResponse, checkPeersRequest, checkPeersResponse, MAX_RECORDS_PER_MESSAGE, RealmeshError, WireErrorCode, RemoteError } from '@realmesh/wire'
import { withTimeout } from '../util/signals.js'
import type { HeldRecord, PeerRecord } from '@realmesh/wire'
import type { Connection, Stream, AbortOptions } from '@libp2p/interface'
import type { LeaveReason } from '../membership/membership.js'
import type { Notices, NoticeSeqs } from '../notices/spread.js'

export interface PeersHandlers {
  /** records in an UPDATE, PIGGY or KEEPALIVE from `from`; errors are counted by the caller */
  onRecords: (records: PeerRecord[], from: Connection) => Promise<void>
  /** the records to answer a KEEPALIVE from `from` with */
  piggyFor: (from: Connection) => PeerRecord[]
  /** the records we know closest to `key` */
  closestRecords: (key: Uint8Array, count: number, from: Connection, held: HeldRecord[]) => PeerRecord[]
  /** the remote leaves or drops us */
  onLeave: (from: Connection, reason: LeaveReason, code: string, text: string) => void
  /** a malformed request from a member (for scoring) */
  onMalformed: (from: Connection, err: Error) => void
  /** notices a member sent (NOTICES push, the revocations of a DISCONNECT) */
  onNotices: (notices: Partial<Notices>, from: Connection) => void
  /** the notices after `seqs`, to answer a NOTICES request */
  noticesSince: (seqs: NoticeSeqs) => Notices
  /** our highest revocation seq and epoch (sent with keepalive answers) */
  noticeSeqs: () => NoticeSeqs
  /** a member's keepalive said it holds notices up to `seqs` */
  onNoticeSeqs: (from: Connection, seqs: NoticeSeqs) => void
  /** a sleepy member woke (NODE-AVAIL): whether this node holds messages for it (the answer's `pending`) */
  onAvail?: (from: Connection) => boolean
  /** a sleepy member goes to sleep now (SLEEP) */
  onSleep?: (from: Connection) => void
}

/** the fields a request leaves out */
export const EMPTY_REQUEST: Omit<PeersRequest, 'type'> = { records: [], key: new Uint8Array(0), count: 0, code: '', reason: '', revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n, held: [] }

/** an empty response, for the fields a response leaves out */
export const EMPTY_RESPONSE: PeersResponse = { records: [], revocations: [], revocationSeq: 0n, epochs: [], epoch: 0n }

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
      await frames.write(PeersResponse, { ...EMPTY_RESPONSE, error: { code, reason: (err as Error).message } }, { signal }).catch(() => {})
      stream.abort(err as Error)
      return
    }
    let response: PeersResponse = EMPTY_RESPONSE
    switch (request.type) {
      case PeersRequest.Type.UPDATE:
      case PeersRequest.Type.PIGGY:
        await this.handlers.onRecords(request.records, connection)
        break
      case PeersRequest.Type.KEEPALIVE:
        this.handlers.onNoticeSeqs(connection, request)
        await this.handlers.onRecords(request.records, connection)
        response = { ...EMPTY_RESPONSE, records: this.handlers.piggyFor(connection), ...this.handlers.noticeSeqs() }
        break
      case PeersRequest.Type.NLIST:
        response = { ...EMPTY_RESPONSE, records: this.handlers.closestRecords(request.key, Math.min(request.count === 0 ? 20 : request.count, MAX_RECORDS_PER_MESSAGE), connection, request.held) }
        break
      case PeersRequest.Type.NOTICES:
        if (request.revocations.length > 0 || request.epochs.length > 0) this.handlers.onNotices(request, connection)
        else response = { ...EMPTY_RESPONSE, ...this.handlers.noticesSince(request) }
        break
      case PeersRequest.Type.AVAIL:
        response = { ...EMPTY_RESPONSE, pending: this.handlers.onAvail?.(connection) ?? false }
        break
      case PeersRequest.Type.SLEEP:
        this.handlers.onSleep?.(connection)
        break
      case PeersRequest.Type.LEAVE:
        this.handlers.onLeave(connection, 'leave', request.code, request.reason)
        break
      case PeersRequest.Type.DISCONNECT:
        // the revocations first: a member dropped for being revoked learns it from them (it verifies them)
        if (request.revocations.length > 0) this.handlers.onNotices({ revocations: request.revocations }, connection)
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
    return (await this.exchange(open, request, options)).records
  }

  /** Sends `request` on a stream opened by `open` and returns the whole response (schema-checked). */
  async exchange (open: (options: AbortOptions) => Promise<Stream>, request: Partial<PeersRequest> & Pick<PeersRequest, 'type'>, options: AbortOptions = {}): Promise<PeersResponse> {
    const signal = withTimeout(options, TIMEOUTS.peers)
    const stream = await open({ signal })
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
      await frames.write(PeersRequest, { ...EMPTY_REQUEST, ...request }, { signal })
      const response = await frames.read(PeersResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (response.error != null) throw new RemoteError(response.error.code, response.error.reason, 'peers request refused')
      checkPeersResponse(response)
      return response
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}
