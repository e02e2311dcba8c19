/**
 * /realmesh/direct/1: node.send(peer, data) asks one member and gets its application's answer
 * (node.onRequest(handler)); without a handler the answer is the error NO_HANDLER. One request
 * and one response per stream, each at most MAX_DIRECT_BYTES of data.
 */
import { randomBytes } from 'node:crypto'
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, MAX_DIRECT_BYTES, DirectRequest, DirectResponse, RemoteError, WireErrorCode, checkDirectRequest } from '@realmesh/wire'
import { codeOf } from '../subjects/subject-protocol.js'
import { withTimeout } from '../util/signals.js'
import { CannotSendToSelfError, MessageTooLargeError, PeerNotMemberError } from './errors.js'
import { dialError } from '../network-errors.js'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'

export interface DirectRequestInfo {
  /** hex of the request's 16-byte id */
  id: string
  /** the asking node */
  peer: string
  /** the identity using it (its node token's or identity token's subject) */
  identity: string
  data: Uint8Array
}

/** Answers a direct request: the response data, or throw (an error's `code` goes back to the asker). */
export type RequestHandler = (request: DirectRequestInfo, options: AbortOptions) => Uint8Array | Promise<Uint8Array>

export interface DirectDeps {
  self: PeerId
  open: (peer: PeerId, options: AbortOptions) => Promise<Stream>
  /** the identity of a member, undefined for a peer that is not one */
  identityOf: (peer: PeerId) => string | undefined
  /** a malformed request, for scoring */
  refused: (peer: string, code: string) => void
}

export class Direct {
  private handler: RequestHandler | undefined
  private readonly deps: DirectDeps

  constructor (deps: DirectDeps) {
    this.deps = deps
  }

  /** sets (or, with undefined, removes) the application's handler */
  onRequest (handler: RequestHandler | undefined): void {
    this.handler = handler
  }

  async send (peer: PeerId, data: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    if (data.byteLength > MAX_DIRECT_BYTES) throw new MessageTooLargeError(data.byteLength, MAX_DIRECT_BYTES, 'direct request')
    if (peer.equals(this.deps.self)) throw new CannotSendToSelfError()
    const signal = withTimeout(options, TIMEOUTS.direct)
    const stream = await this.open(peer, signal, options.signal)
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.direct, maxSize: FRAME_LIMITS.direct })
      await frames.write(DirectRequest, { id: Uint8Array.from(randomBytes(16)), data: Uint8Array.from(data) }, { signal })
      const response = await frames.read(DirectResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (response.error != null) throw new RemoteError(response.error.code, response.error.reason, `direct request to ${peer.toString()} refused`)
      return response.data
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /**
   * A stream to `peer`; a failure is typed: PEER_NOT_A_MEMBER when the peer is not a member (it
   * could not be found, reached or admitted), else the dial's own code (UNREACHABLE, ...).
   */
  private async open (peer: PeerId, signal: AbortSignal, callerSignal: AbortSignal | undefined): Promise<Stream> {
    try {
      return await this.deps.open(peer, { signal })
    } catch (err) {
      if (callerSignal?.aborted === true) throw err
      const typed = dialError(err)
      throw this.deps.identityOf(peer) == null ? new PeerNotMemberError(peer.toString(), typed) : typed
    }
  }

  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(TIMEOUTS.direct)
    const frames = new Frames(stream, { protocol: PROTOCOLS.direct, maxSize: FRAME_LIMITS.direct })
    let request: DirectRequest
    try {
      request = await frames.read(DirectRequest, { signal })
      checkDirectRequest(request)
      if (request.data.byteLength > MAX_DIRECT_BYTES) throw new MessageTooLargeError(request.data.byteLength, MAX_DIRECT_BYTES, 'direct request')
    } catch (err) {
      this.deps.refused(connection.remotePeer.toString(), codeOf(err))
      stream.abort(err as Error)
      return
    }
    let response: DirectResponse
    try {
      if (this.handler == null) throw Object.assign(new Error('this node has no request handler'), { code: WireErrorCode.NO_HANDLER })
      const info = { id: Buffer.from(request.id).toString('hex'), peer: connection.remotePeer.toString(), identity: this.deps.identityOf(connection.remotePeer) ?? connection.remotePeer.toString(), data: request.data }
      const data = await this.handler(info, { signal })
      if (data.byteLength > MAX_DIRECT_BYTES) throw new MessageTooLargeError(data.byteLength, MAX_DIRECT_BYTES, 'direct response')
      response = { data: new Uint8Array(data) }
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code
      response = { data: new Uint8Array(0), error: { code: typeof code === 'string' && code !== '' ? code.slice(0, 64) : WireErrorCode.INTERNAL, reason: (err as Error).message?.slice(0, 256) ?? '' } }
    }
    await frames.write(DirectResponse, response, { signal }).catch(() => {})
    await stream.close({ signal }).catch(() => {})
  }
}
