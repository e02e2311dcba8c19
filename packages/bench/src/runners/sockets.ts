/**
 * The bench's echo and sink protocols (streams.ts) on plain TCP: services on 127.0.0.1 (what a
 * tunnel carries connections to, and the plain-TCP baseline talks to directly), and the client end.
 */
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import { SinkCounter } from './streams.js'
import type { Server, Socket } from 'node:net'
import type { ByteSender } from './streams.js'

export interface TcpService {
  port: number
  close: () => Promise<void>
}

async function serve (onSocket: (socket: Socket) => void): Promise<TcpService> {
  const sockets = new Set<Socket>()
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket)
    socket.on('error', () => {}).once('close', () => { sockets.delete(socket) })
    onSocket(socket)
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  return {
    port: typeof address === 'object' && address != null ? address.port : 0,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** writes back everything it reads (pipe: with backpressure), ends when the client ends */
export async function tcpEcho (): Promise<TcpService> {
  return serve((socket) => { socket.pipe(socket) })
}

/** the sink protocol: one byte back once each run's count of bytes has arrived */
export async function tcpSink (): Promise<TcpService> {
  return serve((socket) => {
    const sink = new SinkCounter()
    socket.on('data', (chunk: Buffer) => {
      for (let done = sink.feed(chunk); done > 0; done--) socket.write(Uint8Array.of(1))
    })
    socket.on('end', () => { socket.end() })
  })
}

/** a client connection for the echo and sink measurements; Nagle off, as the tunnel's own sockets */
export class SocketSender implements ByteSender {
  readonly socket: Socket
  private buffered = 0
  private waiting: { bytes: number, resolve: () => void, reject: (err: Error) => void } | undefined
  private failure: Error | undefined

  private constructor (socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.byteLength
      this.settle()
    })
    const fail = (err: Error): void => {
      this.failure ??= err
      this.settle()
    }
    socket.on('error', fail)
    socket.on('close', () => { fail(new Error('the connection closed')) })
  }

  static async connect (port: number): Promise<SocketSender> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true })
    await once(socket, 'connect')
    return new SocketSender(socket)
  }

  async send (data: Uint8Array): Promise<void> {
    if (!this.socket.write(data)) await once(this.socket, 'drain')
  }

  async read (bytes: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.waiting = { bytes, resolve, reject }
      this.settle()
    })
  }

  async close (): Promise<void> {
    this.socket.end()
    if (!this.socket.closed) await once(this.socket, 'close').catch(() => {})
  }

  private settle (): void {
    const waiting = this.waiting
    if (waiting == null) return
    if (this.buffered >= waiting.bytes) {
      this.buffered -= waiting.bytes
      this.waiting = undefined
      waiting.resolve()
    } else if (this.failure != null) {
      this.waiting = undefined
      waiting.reject(this.failure)
    }
  }
}
