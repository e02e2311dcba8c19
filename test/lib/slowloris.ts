/**
 * A slow-header (slowloris) attacker for an HTTP server on 127.0.0.1: `count` sockets each send a
 * request line and then one header byte per tick, never finishing the headers; every tick the
 * sockets the server closed are opened again, as slowloris tools do. It records how long each
 * socket lived (from connect to close), since it never closes one itself until `destroy()`.
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'

export class Slowloris {
  /** ms from connect to close, one entry per socket the server closed */
  readonly lifetimes: number[] = []
  /** most sockets open (or connecting) at once, as this side saw it */
  peak = 0
  private readonly port: number
  private readonly count: number
  private readonly live = new Set<Socket>()
  private readonly changed = new Set<() => void>()
  private timer: NodeJS.Timeout | undefined
  private reopening = true
  private destroyed = false

  constructor (port: number, count: number) {
    this.port = port
    this.count = count
  }

  get open (): number {
    return this.live.size
  }

  /** Opens the sockets and starts trickling one byte each per `tickMs`. */
  start (tickMs = 1_000): void {
    this.refill()
    this.timer = setInterval(() => {
      for (const socket of this.live) if (!socket.connecting) socket.write('a')
      this.refill()
    }, tickMs)
  }

  /** Stops opening new sockets; the open ones keep trickling until the server closes them. */
  stopReopening (): void {
    this.reopening = false
  }

  /** Resolves once the server has closed every socket; rejects after `timeoutMs`. */
  async drained (timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.live.size > 0) return
        clearTimeout(timer)
        this.changed.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.changed.delete(check)
        reject(new Error(`${this.live.size} attack sockets are still open after ${timeoutMs} ms`))
      }, timeoutMs)
      this.changed.add(check)
      check()
    })
  }

  destroy (): void {
    this.destroyed = true
    clearInterval(this.timer)
    for (const socket of this.live) socket.destroy()
  }

  private refill (): void {
    if (!this.reopening || this.destroyed) return
    const missing = this.count - this.live.size
    for (let i = 0; i < missing; i++) this.openOne()
  }

  private openOne (): void {
    const socket = connect(this.port, '127.0.0.1')
    let connectedAt: number | undefined
    socket.on('connect', () => {
      connectedAt = Date.now()
      // a complete request line and the start of a header, never its end
      socket.write(`GET /status HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nX-Slow: `)
    })
    socket.on('error', () => { /* reset by the server: the close below records it */ })
    // read what comes, so that a close after an answer (a 408, say) is seen too
    socket.resume()
    socket.on('close', () => {
      if (connectedAt != null && !this.destroyed) this.lifetimes.push(Date.now() - connectedAt)
      this.live.delete(socket)
      for (const listener of [...this.changed]) listener()
    })
    this.live.add(socket)
    this.peak = Math.max(this.peak, this.live.size)
  }
}
