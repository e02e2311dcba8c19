/**
 * Who may hold the control API's sockets. On loopback every client is 127.0.0.1, so "per client"
 * cannot be an address (and a port is a new one per connection); what tells the owner apart is the
 * bearer token, and only once a request's headers are in. So a connection is *untrusted* until a
 * request on it carries the token:
 *
 * - an untrusted connection is closed `headerTimeoutMs` after it opened, by its own timer (node's
 *   headersTimeout is only checked every connectionsCheckingInterval, so a socket outlives it);
 * - at most `maxUntrusted` are open at once; a new connection closes the oldest untrusted one rather
 *   than being refused. A slow-header socket has had its time; the newest may be the owner's, which
 *   sends its headers at once and so is trusted long before `maxUntrusted` newer sockets push it out;
 * - trusted connections (streams, keep-alive) are counted apart, at most `maxTrusted`: slow-header
 *   sockets never take their room.
 */
import type { Socket } from 'node:net'

export interface ConnectionLimits {
  /** an untrusted connection is closed this long after it opened */
  headerTimeoutMs: number
  /** most untrusted connections at once; a new one closes the oldest */
  maxUntrusted: number
  /** most trusted connections at once */
  maxTrusted: number
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headerTimeoutMs: 5_000,
  maxUntrusted: 128,
  maxTrusted: 64
}

export class ConnectionGuard {
  private readonly limits: ConnectionLimits
  /** untrusted sockets, oldest first (a Map keeps insertion order), each with its close timer */
  private readonly untrusted = new Map<Socket, NodeJS.Timeout>()
  private readonly trusted = new Set<Socket>()

  constructor (limits: ConnectionLimits) {
    this.limits = limits
  }

  /** A new connection: untrusted, with its time running. */
  admit (socket: Socket): void {
    for (const oldest of this.untrusted.keys()) {
      if (this.untrusted.size < this.limits.maxUntrusted) break
      this.forget(oldest)
      oldest.destroy()
    }
    const timer = setTimeout(() => {
      this.forget(socket)
      socket.destroy()
    }, this.limits.headerTimeoutMs)
    timer.unref()
    this.untrusted.set(socket, timer)
    socket.once('close', () => { this.forget(socket) })
  }

  /**
   * A request on `socket` carried the token: the socket is trusted from now on. False when
   * `maxTrusted` trusted connections are already open (the socket stays untrusted).
   */
  trust (socket: Socket): boolean {
    if (this.trusted.has(socket)) return true
    if (this.trusted.size >= this.limits.maxTrusted) return false
    this.forget(socket)
    this.trusted.add(socket)
    return true
  }

  private forget (socket: Socket): void {
    clearTimeout(this.untrusted.get(socket))
    this.untrusted.delete(socket)
    this.trusted.delete(socket)
  }
}
