/**
 * A libp2p stream seen as a raw connection (a MultiaddrConnection), so that libp2p's upgrader can
 * run Noise and yamux over it as over a TCP socket: the source and the target of a forwarded
 * stream make a connection of their own inside it, end to end, which the forwarder between them
 * only copies. (The circuit relay transport does the same with its relayed streams.)
 *
 * Bytes, backpressure (the inner stream's "full" and 'drain'), half-close and resets pass
 * through: the inner stream's end closes this connection, a reset of either resets the other.
 */
import { AbstractMultiaddrConnection } from '@libp2p/utils'
import type { SendResult } from '@libp2p/utils'
import type { AbortOptions, Logger, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * What the inner stream may hold unread while the connection above is paused: yamux's largest
 * window (16 MiB) of the connection inside, plus room for its frames.
 */
const INNER_READ_BUFFER_BYTES = 17 * 1024 * 1024

export interface StreamConnectionInit {
  stream: Stream
  remoteAddr: Multiaddr
  direction: 'inbound' | 'outbound'
  log: Logger
}

export class StreamConnection extends AbstractMultiaddrConnection {
  private readonly inner: Stream

  constructor (init: StreamConnectionInit) {
    super({ remoteAddr: init.remoteAddr, direction: init.direction, log: init.log, maxReadBufferLength: INNER_READ_BUFFER_BYTES })
    this.inner = init.stream
    this.inner.maxReadBufferLength = Math.max(this.inner.maxReadBufferLength, INNER_READ_BUFFER_BYTES)
    this.inner.addEventListener('message', (evt) => { this.onData(evt.data) })
    this.inner.addEventListener('drain', () => { this.safeDispatchEvent('drain') })
    this.inner.addEventListener('remoteCloseWrite', () => {
      this.onRemoteCloseWrite()
      // the other end finished: so does this connection (it has no half-closed state of its own)
      this.close().catch((err: unknown) => { this.abort(err as Error) })
    })
    this.inner.addEventListener('close', (evt) => { this.onTransportClosed(evt.error) })
  }

  sendData (data: Uint8ArrayList): SendResult {
    try {
      return { sentBytes: data.byteLength, canSendMore: this.inner.send(data) }
    } catch (err) {
      // the inner stream closed for writing (this connection is closing, or was reset under it):
      // what is left can reach nobody, and the connection ends (not from inside the send queue)
      queueMicrotask(() => { this.abort(err as Error) })
      return { sentBytes: data.byteLength, canSendMore: false }
    }
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    await this.inner.close(options)
  }

  sendReset (err: Error): void {
    this.inner.abort(err)
  }

  sendPause (): void {
    this.inner.pause()
  }

  sendResume (): void {
    this.inner.resume()
  }
}
