/**
 * The TCP ends of tunnel scenarios, run in the test process: an echo service (half-close kept, so
 * a client's FIN comes back after its data), and a client that sends random bytes and hashes what
 * comes back.
 */
import { createHash, randomBytes } from 'node:crypto'
import { connect, createServer } from 'node:net'
import { once } from 'node:events'
import type { Socket } from 'node:net'

export interface EchoService {
  port: number
  /** its live connections, oldest first */
  readonly sockets: Socket[]
  close: () => Promise<void>
}

export async function startEcho (): Promise<EchoService> {
  const sockets: Socket[] = []
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket)
    socket.on('error', () => {}).once('close', () => { sockets.splice(sockets.indexOf(socket), 1) })
    socket.pipe(socket)
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  return {
    port: typeof address === 'object' && address != null ? address.port : 0,
    sockets,
    close: async () => {
      for (const s of [...sockets]) s.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** how a client connection ended: what came back (count, sha256) and whether it ended with FIN or an error */
export interface Echoed { bytes: number, sha256: string, end: 'fin' | 'error' }

/** a client on 127.0.0.1:port (half-close kept); `ended` resolves when it is closed, however */
export function client (port: number): { socket: Socket, ended: Promise<Echoed> } {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
  const hash = createHash('sha256')
  let bytes = 0
  let fin = false
  socket.on('data', (chunk: Buffer) => { bytes += chunk.byteLength; hash.update(chunk) })
  socket.on('end', () => { fin = true })
  socket.on('error', () => {})
  const ended = new Promise<Echoed>((resolve) => {
    socket.once('close', (hadError: boolean) => { resolve({ bytes, sha256: hash.digest('hex'), end: fin && !hadError ? 'fin' : 'error' }) })
  })
  return { socket, ended }
}

/** writes `size` random bytes (64 KiB at a time, waiting for drain), then FIN; resolves with their sha256 */
export async function sendAndEnd (socket: Socket, size: number): Promise<string> {
  const hash = createHash('sha256')
  for (let left = size; left > 0;) {
    const chunk = randomBytes(Math.min(left, 65_536))
    hash.update(chunk)
    left -= chunk.byteLength
    if (!socket.write(chunk)) await once(socket, 'drain')
  }
  socket.end()
  return hash.digest('hex')
}
