/** The TCP ends of tunnels: connecting to a service, and listening for a forward. */
import { connect, createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * A connection to HOST:PORT with half-close kept (a FIN from one side must not end the other) and
 * Nagle off (a tunnel adds its own hop; small writes should not wait on it). Rejects with
 * TUNNEL_CONNECT_FAILED (the socket's error code in the message), or the signal's reason.
 */
export async function connectTcp (host: string, port: number, options: { timeoutMs: number, signal?: AbortSignal }): Promise<Socket> {
  options.signal?.throwIfAborted()
  const socket = connect({ host, port, allowHalfOpen: true, noDelay: true })
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer)
      socket.off('connect', onConnect)
      socket.off('error', onError)
      options.signal?.removeEventListener('abort', onAbort)
      if (err == null) {
        resolve(socket)
        return
      }
      socket.destroy()
      reject(err)
    }
    const onConnect = (): void => { done() }
    const onError = (err: Error & { code?: string }): void => {
      done(new TunnelError(TunnelErrorCode.TUNNEL_CONNECT_FAILED, `cannot connect to ${host}:${port}: ${err.code ?? err.message}`, { cause: err }))
    }
    const onAbort = (): void => { done(options.signal?.reason as Error) }
    const timer = setTimeout(() => {
      done(new TunnelError(TunnelErrorCode.TUNNEL_CONNECT_FAILED, `cannot connect to ${host}:${port}: no answer within ${options.timeoutMs} ms`))
    }, options.timeoutMs)
    socket.once('connect', onConnect)
    socket.once('error', onError)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * A listening server whose connections arrive paused (nothing is read before their tunnel is
 * open), half-close kept, Nagle off. Rejects with TUNNEL_LISTEN_FAILED (EADDRINUSE, ...).
 */
export async function listenTcp (host: string, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, onConnection)
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: string }): void => {
      reject(new TunnelError(TunnelErrorCode.TUNNEL_LISTEN_FAILED, `cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code ?? err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen({ host, port }, () => {
      server.off('error', onError)
      resolve()
    })
  })
  return server
}
