/**
 * A forward: a local TCP listener whose every connection becomes a tunnel to one service of one
 * member (`ssh -L`). A connection is accepted paused, and carried once its tunnel is open; a
 * refused one is reset at once (the refusal is `tunnel:refused` on the node's tunnels, and
 * `onRefused` here).
 */
import { listenTcp } from './tcp.js'
import type { Server, Socket } from 'node:net'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { TunnelClosedDetail } from './tunnels.js'

export interface ForwardOptions {
  /** the member: its peer id, or an identity a member runs as */
  target: PeerId | string
  service: string
  /** where to listen. @default 127.0.0.1 */
  host?: string
  /** @default 0 (a free port: see Forward.port) */
  port?: number
  /** aborting it closes the forward and its tunnels */
  signal?: AbortSignal
  /** a connection's tunnel opened (its id) */
  onOpened?: (id: number) => void
  /** a connection's tunnel ended */
  onClosed?: (detail: TunnelClosedDetail) => void
  /** a connection was refused (the exposing member's code, TUNNEL_LIMIT here, or the dial's) */
  onRefused?: (err: Error & { code?: string }) => void
}

type Pipe = (socket: Socket, options: AbortOptions) => Promise<{ id: number, done: Promise<TunnelClosedDetail> }>

export class Forward {
  readonly host: string
  readonly port: number
  readonly peer: string
  readonly service: string
  /** resolves once the listener and every tunnel of it closed */
  readonly closed: Promise<void>
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private readonly ended = Promise.withResolvers<void>()
  private closing = false

  static async open (options: ForwardOptions, pipe: Pipe): Promise<Forward> {
    options.signal?.throwIfAborted()
    const ref: { forward?: Forward } = {}
    const server = await listenTcp(options.host ?? '127.0.0.1', options.port ?? 0, (socket) => {
      if (ref.forward == null) socket.destroy()
      else ref.forward.accept(socket)
    })
    ref.forward = new Forward(server, options, pipe)
    return ref.forward
  }

  private readonly options: ForwardOptions
  private readonly pipe: Pipe
  private readonly shutdown = new AbortController()

  private constructor (server: Server, options: ForwardOptions, pipe: Pipe) {
    this.server = server
    this.options = options
    this.pipe = pipe
    const address = server.address()
    this.host = typeof address === 'object' && address != null ? address.address : options.host ?? '127.0.0.1'
    this.port = typeof address === 'object' && address != null ? address.port : 0
    this.peer = options.target.toString()
    this.service = options.service
    this.closed = this.ended.promise
    options.signal?.addEventListener('abort', () => { void this.close() }, { once: true })
  }

  /** connections carried now */
  get tunnels (): number {
    return this.sockets.size
  }

  /** Stops listening and closes every tunnel of this forward. */
  async close (): Promise<void> {
    if (!this.closing) {
      this.closing = true
      this.shutdown.abort()
      this.server.close(() => { this.ended.resolve() })
      for (const socket of this.sockets) socket.resetAndDestroy()
    }
    await this.closed
  }

  private accept (socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    this.sockets.add(socket)
    socket.once('close', () => { this.sockets.delete(socket) })
    this.pipe(socket, { signal: this.shutdown.signal }).then(({ id, done }) => {
      this.options.onOpened?.(id)
      void done.then((detail) => { this.options.onClosed?.(detail) })
    }, (err: Error) => { this.options.onRefused?.(err) })
  }
}
