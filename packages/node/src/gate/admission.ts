/**
 * Which connections have passed handshake and join. A connection is the unit: a peer that
 * restarts, or reconnects, proves itself again on its new connection. The dialer of a connection
 * runs the handshake and join (see RealmNode.admit); the listener only answers.
 *
 * Entries live as long as their connection (removed on connection:close), so the map is bounded
 * by the connection manager's maxConnections.
 */
import { WireErrorCode } from '@realmesh/wire'
import { HandshakeError, JoinRefusedError, NotMemberError } from '../errors.js'
import { raceSignal } from '../util/signals.js'
import type { VerifiedNode } from '../handshake/handshake.js'
import type { Connection, AbortOptions } from '@libp2p/interface'

export type AdmissionState = 'handshaking' | 'joining' | 'admitted' | 'failed'

interface Entry {
  state: AdmissionState
  /** this side runs the handshake and join (it dialled): it settles the entry, whatever happens to the connection */
  initiator: boolean
  /** the remote's node token, once the handshake verified it */
  remote?: VerifiedNode
  settled: PromiseWithResolvers<void>
  error?: Error
}

export interface AdmissionInit {
  /**
   * runs handshake + join as the initiator on an outbound connection. It is not given the caller's
   * signal: an admission under way finishes (or times out) even when the caller that started it
   * stops waiting (kad-dht aborts a finished query's dials), so the work is not wasted.
   */
  initiate: (connection: Connection) => Promise<void>
  /** the longest a stream waits for an admission in progress, in milliseconds */
  waitMs: number
}

export class Admission {
  private readonly entries = new Map<string, Entry>()
  /**
   * admissions we initiated on connections that closed meanwhile: kept until the initiator
   * settles them with its own outcome (bounded by the handshake and join timeouts), so that whoever
   * waits hears the refusal (TOKEN_EXPIRED ...) rather than only that the connection closed
   */
  private readonly orphans = new Map<string, Entry>()
  private readonly init: AdmissionInit

  constructor (init: AdmissionInit) {
    this.init = init
  }

  get size (): number {
    return this.entries.size
  }

  state (connection: Connection): AdmissionState | undefined {
    return this.entries.get(connection.id)?.state
  }

  isAdmitted (connection: Connection): boolean {
    return this.entries.get(connection.id)?.state === 'admitted'
  }

  /** the remote's verified node token on this connection, once its handshake succeeded */
  remoteNode (connection: Connection): VerifiedNode | undefined {
    return this.entries.get(connection.id)?.remote
  }

  /** starts tracking an admission on `connection` (`initiator`: we run it); false when one is already under way or done */
  begin (connection: Connection, initiator = false): boolean {
    const existing = this.entries.get(connection.id)
    if (existing != null && existing.state !== 'failed') return false
    const settled = Promise.withResolvers<void>()
    // nobody may be waiting; a failure is reported through markFailed's caller
    settled.promise.catch(() => {})
    this.entries.set(connection.id, { state: 'handshaking', initiator, settled })
    return true
  }

  markHandshaken (connection: Connection, remote: VerifiedNode): void {
    const entry = this.entries.get(connection.id)
    if (entry == null) return
    entry.state = 'joining'
    entry.remote = remote
  }

  markAdmitted (connection: Connection): void {
    const entry = this.entries.get(connection.id)
    if (entry == null) {
      // the connection closed just as the join ended: nothing was admitted
      this.settleOrphan(connection, new NotMemberError(connection.remotePeer.toString(), 'this connection (closed before admission)'))
      return
    }
    entry.state = 'admitted'
    entry.settled.resolve()
  }

  markFailed (connection: Connection, error: Error): void {
    const entry = this.entries.get(connection.id)
    if (entry == null) {
      this.settleOrphan(connection, error)
      return
    }
    entry.state = 'failed'
    entry.error = error
    entry.settled.reject(error)
  }

  forget (connection: Connection): void {
    const entry = this.entries.get(connection.id)
    if (entry == null) return
    this.entries.delete(connection.id)
    if (entry.state === 'admitted' || entry.state === 'failed') return
    // our own handshake or join is still running on it: it says how it ended (markFailed)
    if (entry.initiator) this.orphans.set(connection.id, entry)
    else entry.settled.reject(new NotMemberError(connection.remotePeer.toString(), 'this connection (closed before admission)'))
  }

  private settleOrphan (connection: Connection, error: Error): void {
    const orphan = this.orphans.get(connection.id)
    if (orphan == null) return
    this.orphans.delete(connection.id)
    orphan.state = 'failed'
    orphan.error = error
    orphan.settled.reject(error)
  }

  /**
   * Resolves once `connection` is admitted. On an outbound connection with no admission yet,
   * starts one (handshake + join as the initiator). On an inbound one, waits for the admission the
   * remote is running, or fails with NOT_A_MEMBER when there is none.
   */
  async ensure (connection: Connection, protocol: string, options: AbortOptions = {}): Promise<void> {
    await this.wait(connection, protocol, true, options)
  }

  /** For a stream the remote opened: waits for an admission under way, never starts one. */
  async ensureInbound (connection: Connection, protocol: string): Promise<void> {
    await this.wait(connection, protocol, false, {})
  }

  private async wait (connection: Connection, protocol: string, initiate: boolean, options: AbortOptions): Promise<void> {
    let entry = this.entries.get(connection.id)
    if (entry?.state === 'admitted') return
    if (initiate && (entry == null || entry.state === 'failed') && connection.direction === 'outbound') {
      await raceSignal(this.init.initiate(connection), options.signal)
      entry = this.entries.get(connection.id)
      if (entry?.state === 'admitted') return
    }
    if (entry == null || entry.state === 'failed') {
      throw refusalOf(entry?.error) ?? new NotMemberError(connection.remotePeer.toString(), protocol)
    }
    const signal = options.signal == null ? AbortSignal.timeout(this.init.waitMs) : AbortSignal.any([options.signal, AbortSignal.timeout(this.init.waitMs)])
    try {
      await raceSignal(entry.settled.promise, signal)
    } catch (err) {
      if ((err as { code?: string })?.code === WireErrorCode.NOT_A_MEMBER) throw err
      // whoever waited on an admission that was refused hears why (TOKEN_REVOKED ...), not only that it failed
      throw refusalOf(err) ?? new NotMemberError(connection.remotePeer.toString(), protocol)
    }
  }
}

/** the error when it is a refusal of the handshake or the join (by either side), else undefined */
function refusalOf (err: unknown): Error | undefined {
  return err instanceof HandshakeError || err instanceof JoinRefusedError ? err : undefined
}
