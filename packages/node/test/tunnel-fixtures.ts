// Real TCP ends for tunnel tests: an echo service, and clients that send and collect bytes.
import { createHash, randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import type { Server, Socket } from 'node:net'

/** a TCP echo service on 127.0.0.1 (half-close kept: a FIN is echoed after the data); `sockets` are its live connections */
export async function echoServer (): Promise<{ server: Server, port: number, sockets: Set<Socket>, close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => { sockets.delete(socket) })
    socket.pipe(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address != null ? address.port : 0
  return {
    server,
    port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** a TCP service that accepts one connection and does not read it (`accepted`) until the test resumes it */
export async function pausedSink (): Promise<{ port: number, accepted: Promise<Socket>, close: () => Promise<void> }> {
  const accepted = Promise.withResolvers<Socket>()
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {})
    accepted.resolve(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  return {
    port: typeof address === 'object' && address != null ? address.port : 0,
    accepted: accepted.promise,
    close: async () => {
      void accepted.promise.then(s => s.destroy())
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** a connected client socket (half-close kept); its errors (an expected reset) are for collect() to report */
export async function dial (port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ host, port, allowHalfOpen: true })
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

export interface Collected { bytes: number, hash: string, end: 'end' | 'error', error?: string }

/** reads a socket to its end (FIN, or an error such as ECONNRESET), hashing what came */
export async function collect (socket: Socket): Promise<Collected> {
  const hash = createHash('sha256')
  let bytes = 0
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.byteLength
    hash.update(chunk)
  })
  return new Promise((resolve) => {
    socket.once('end', () => { resolve({ bytes, hash: hash.digest('hex'), end: 'end' }) })
    socket.once('error', (err: Error & { code?: string }) => { resolve({ bytes, hash: hash.digest('hex'), end: 'error', error: err.code ?? err.message }) })
  })
}

/** `size` random bytes written in 64 KiB chunks with backpressure, then FIN; resolves with their hash */
export async function sendRandom (socket: Socket, size: number): Promise<string> {
  const hash = createHash('sha256')
  let left = size
  while (left > 0) {
    const chunk = randomBytes(Math.min(left, 64 * 1024))
    hash.update(chunk)
    left -= chunk.byteLength
    if (!socket.write(chunk)) await once(socket, 'drain')
  }
  socket.end()
  return hash.digest('hex')
}

/** resolves when the socket is closed (by either end, however) */
export async function closed (socket: Socket): Promise<{ hadError: boolean }> {
  if (socket.closed) return { hadError: socket.errored != null }
  // not events.once: it rejects on 'error', and a reset is what some tests expect
  return new Promise((resolve) => { socket.once('close', (hadError: boolean) => { resolve({ hadError }) }) })
}
