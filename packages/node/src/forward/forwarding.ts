/**
 * Forwarding (issue 24 item 2): a member reaches a member it cannot dial (and no relay slot
 * serves) through a third member that reaches both, without that member being able to read or
 * alter what passes.
 *
 * The source opens /realmesh/<realm>/forward/1 to a forwarder naming the target; the forwarder
 * opens /realmesh/<realm>/forward/stop/1 to the target naming the source; after both answer, the
 * forwarder copies bytes between the two streams (pipe.ts) and the source and the target make a
 * libp2p connection inside them (stream-connection.ts, upgrader.ts): Noise XX keyed by their libp2p
 * identity keys, each side expecting the other's peer id, then yamux. The forwarder sees only
 * Noise's ciphertext, and a byte it changes fails the AEAD tag and ends the connection. From then
 * on the connection is an ordinary one to everything above (the membership gate runs the realm
 * handshake and join over it end to end; subjects, acks, tunnels, keepalives use it unchanged). Its
 * address is a circuit through the forwarder (`<forwarder>/p2p-circuit/p2p/<peer>`), so libp2p and
 * the gate treat it as they treat a relayed one: a direct connection, when one appears, is kept
 * over it.
 *
 * Members only, at every hop: the forward protocol passes the membership gate at the forwarder,
 * which forwards only to a current member; the stop protocol passes the gate at the target, which
 * refuses a source it has banned or revoked; and the connection inside still has to pass handshake
 * and join. A forwarder takes at most `maxCircuits` streams, `maxCircuitsPerPeer` from one source
 * and to one target, and ends a stream idle for `idleTimeoutMs` or past `maxBytesPerCircuit`.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { TypedEventEmitter } from 'main-event'
import { peerIdFromString } from '@libp2p/peer-id'
import { ForwardRequest, ForwardResponse, Frames, MAX_FORWARD_FRAME_BYTES, TIMEOUTS, WireErrorCode, checkForwardRequest, checkForwardResponse, forwardProtocol, forwardStopProtocol } from '@realmesh/wire'
import { closestTo, fingerprint } from '@realmesh/token'
import { codeOf } from '../subjects/subject-protocol.js'
import { withTimeout } from '../util/signals.js'
import { loggerFor } from '../util/quiet-logger.js'
import { Slots } from '../tunnel/slots.js'
import { ForwardError, ForwardErrorCode } from './errors.js'
import { StreamPipe } from './pipe.js'
import { StreamConnection } from './stream-connection.js'
import type { PipeEnd } from './pipe.js'
import type { ForwardingOptions } from './options.js'
import type { ForwardUpgrader } from './upgrader.js'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** `DEBUG=realmesh:forward*` */
const log = loggerFor('realmesh:forward')

/** members reached through a forwarder that are tried directly at once, and how long a try may take, ms */
const DIRECT_TRIES = 4
const DIRECT_TRY_MS = 30_000

export interface ForwardingDeps {
  realmId: string
  self: PeerId
  options: ForwardingOptions
  upgrader: () => ForwardUpgrader
  connections: (peer: PeerId) => Connection[]
  /** every connection of this node */
  allConnections: () => Connection[]
  isAdmitted: (connection: Connection) => boolean
  /** a current member of this node */
  isMember: (peer: string) => boolean
  /** banned here, or its membership revoked */
  shunned: (peer: string) => boolean
  /** an admitted connection to `peer` that is not itself forwarded: one held, or a direct dial */
  connectDirect: (peer: PeerId, options: AbortOptions) => Promise<Connection>
  /** a new admitted connection to `peer` by a direct (or relayed) dial, beside the forwarded one this node holds */
  connectFresh: (peer: PeerId, options: AbortOptions) => Promise<Connection>
  /** aborted when the node stops */
  shutdown: () => AbortSignal
  /** a malformed request, for scoring */
  offence: (peer: PeerId, code: string) => void
  running: () => boolean
}

/** a forwarded stream through this node */
export interface CircuitInfo {
  source: string
  target: string
  since: number
  bytes: number
}

export interface CircuitClosedDetail extends CircuitInfo {
  end: PipeEnd
  code?: string
}

/** who refused: this node as forwarder, this node as target, or (source) a forwarder or target this node asked */
export type ForwardRole = 'forwarder' | 'target' | 'source'

export interface ForwardRefusedDetail {
  role: ForwardRole
  /** the peer that asked (forwarder, target) or the forwarder asked (source) */
  peer: string
  code: string
  reason: string
}

export interface ForwardedConnectionDetail {
  peer: string
  forwarder: string
  direction: 'inbound' | 'outbound'
}

export interface ForwardEvents {
  'forward:circuit:opened': CustomEvent<CircuitInfo>
  'forward:circuit:closed': CustomEvent<CircuitClosedDetail>
  'forward:refused': CustomEvent<ForwardRefusedDetail>
  /** a forwarded connection to or from this node was made (it still has to pass handshake and join) */
  'forward:connection': CustomEvent<ForwardedConnectionDetail>
}

/** the bounds a forwarder keeps (ForwardingInit) */
export type ForwardingLimits = Pick<ForwardingOptions, 'maxCircuits' | 'maxCircuitsPerPeer' | 'maxBytesPerCircuit' | 'idleTimeoutMs' | 'maxForwarded'>

export interface ForwardingStatus {
  /** whether this node forwards for members (`serve`): when false, `circuits` stays empty */
  serve: boolean
  /** whether this node reaches members through forwarders and takes forwarded connections (`use`) */
  use: boolean
  /** streams this node forwards now, oldest first: at most `limits.maxCircuits` */
  circuits: CircuitInfo[]
  /** this node's connections made through a forwarder (each leaves with its connection) */
  connections: Array<{ id: string, peer: string, forwarder: string }>
  limits: ForwardingLimits
  /** running totals since start */
  totals: { circuits: number, bytes: number, connections: number }
}

export class Forwarding extends TypedEventEmitter<ForwardEvents> {
  readonly protocol: string
  readonly stopProtocol: string
  private readonly deps: ForwardingDeps
  private readonly options: ForwardingOptions
  private readonly sources: Slots
  private readonly targets: Slots
  private readonly circuits = new Set<{ info: Omit<CircuitInfo, 'bytes'>, pipe: StreamPipe }>()
  /** this node's forwarded connections: connection id -> forwarder (entries leave with the connection) */
  private readonly forwarded = new Map<string, { peer: string, forwarder: string }>()
  private readonly totals = { circuits: 0, bytes: 0, connections: 0 }
  /** members being dialled directly now, to replace a forwarded connection (at most DIRECT_TRIES) */
  private readonly trying = new Set<string>()
  private retryTimer: ReturnType<typeof setInterval> | undefined

  constructor (deps: ForwardingDeps) {
    super()
    this.deps = deps
    this.options = deps.options
    this.protocol = forwardProtocol(deps.realmId)
    this.stopProtocol = forwardStopProtocol(deps.realmId)
    this.sources = new Slots(this.options.maxCircuits, this.options.maxCircuitsPerPeer)
    this.targets = new Slots(this.options.maxCircuits, this.options.maxCircuitsPerPeer)
  }

  /** the forwarder of a forwarded connection of this node; undefined for any other */
  forwarderOf (connection: Connection): string | undefined {
    return this.forwarded.get(connection.id)?.forwarder
  }

  status (): ForwardingStatus {
    const { serve, use, maxCircuits, maxCircuitsPerPeer, maxBytesPerCircuit, idleTimeoutMs, maxForwarded } = this.options
    return {
      serve,
      use,
      circuits: [...this.circuits].map(c => ({ ...c.info, bytes: c.pipe.bytes })),
      connections: [...this.forwarded].map(([id, f]) => ({ id, ...f })),
      limits: { maxCircuits, maxCircuitsPerPeer, maxBytesPerCircuit, idleTimeoutMs, maxForwarded },
      totals: { ...this.totals }
    }
  }

  /** Tries, every `directRetryMs`, to reach the members it holds only forwarded connections to directly. */
  start (): void {
    this.retryTimer = setInterval(() => {
      for (const { peer } of new Map([...this.forwarded.values()].map(f => [f.peer, f])).values()) this.tryDirect(peer)
    }, this.options.directRetryMs)
    this.retryTimer.unref()
  }

  /**
   * A member this node reaches only through a forwarder may be reachable directly now (its record
   * changed: a new address, a relay slot; or the network healed): a direct (or relayed) connection
   * is dialled, and once it is admitted the gate closes the forwarded one (a direct connection is
   * kept over a relayed one over a forwarded one). Nothing when a try is under way or
   * DIRECT_TRIES are.
   */
  tryDirect (peer: PeerId | string): void {
    const id = peer.toString()
    if (this.trying.has(id) || this.trying.size >= DIRECT_TRIES || !this.deps.running()) return
    const connections = [...this.forwarded.values()].filter(f => f.peer === id)
    if (connections.length === 0) return
    const target = typeof peer === 'string' ? peerIdFromString(peer) : peer
    if (this.deps.connections(target).some(c => this.deps.isAdmitted(c) && !this.forwarded.has(c.id))) return
    this.trying.add(id)
    const signal = AbortSignal.any([this.deps.shutdown(), AbortSignal.timeout(DIRECT_TRY_MS)])
    void this.deps.connectFresh(target, { signal })
      .then(() => { log('%s is reached directly now: its forwarded connection goes', id) }, () => {})
      .finally(() => { this.trying.delete(id) })
  }

  /** Resets every stream this node forwards (FORWARD_CLOSED) and waits for them. */
  async stop (): Promise<void> {
    clearInterval(this.retryTimer)
    this.retryTimer = undefined
    await Promise.all([...this.circuits].map(async (c) => {
      c.pipe.close(new ForwardError(ForwardErrorCode.FORWARD_CLOSED, 'the forwarder is stopping'))
      await c.pipe.done
    }))
  }

  /**
   * A connection to `target` through a member that forwards: up to `forwardersPerDial` members
   * this node holds a direct admitted connection to are asked in turn, the XOR-closest to the
   * target first (the likeliest to hold it in their own table). FORWARD_UNAVAILABLE, with each
   * one's refusal in the message, when none could.
   */
  async dial (target: PeerId, options: AbortOptions = {}): Promise<Connection> {
    const key = fingerprint(target)
    const via = new Map<string, Connection>()
    for (const connection of this.deps.allConnections()) {
      const peer = connection.remotePeer.toString()
      if (via.has(peer) || peer === target.toString() || this.forwarded.has(connection.id)) continue
      if (this.deps.isAdmitted(connection) && this.deps.isMember(peer)) via.set(peer, connection)
    }
    const order = closestTo(key, [...via.keys()], this.options.forwardersPerDial)
    const failures: string[] = []
    for (const peer of order) {
      options.signal?.throwIfAborted()
      try {
        return await this.dialVia(target, via.get(peer) as Connection, options)
      } catch (err) {
        options.signal?.throwIfAborted()
        failures.push(`${peer}: ${codeOf(err)}`)
      }
    }
    throw new ForwardError(ForwardErrorCode.FORWARD_UNAVAILABLE, `no member could forward to ${target.toString()}${failures.length === 0 ? ' (none to ask)' : ` (${failures.join(', ')})`}`)
  }

  /** A connection to `target` forwarded by the member at the other end of `via` (an admitted connection). */
  async dialVia (target: PeerId, via: Connection, options: AbortOptions = {}): Promise<Connection> {
    const forwarder = via.remotePeer.toString()
    const signal = withTimeout(options, TIMEOUTS.forward)
    const stream = await via.newStream(this.protocol, { signal })
    let raw: Stream
    try {
      raw = await this.exchange(stream, this.protocol, target, signal)
    } catch (err) {
      this.emitRefused('source', forwarder, err)
      throw err
    }
    const maConn = new StreamConnection({ stream: raw, remoteAddr: circuitAddr(via, target), direction: 'outbound', log: stream.log.newScope('forwarded') })
    const connection = await this.deps.upgrader().outbound(maConn, signal)
    this.track(connection, target.toString(), forwarder, 'outbound')
    return connection
  }

  /** the forwarder's side: a member asks for a stream to another (the gate let only members through) */
  readonly handleForward = async (stream: Stream, connection: Connection): Promise<void> => {
    const source = connection.remotePeer
    const signal = AbortSignal.timeout(TIMEOUTS.forward)
    const frames = new Frames(stream, { protocol: this.protocol, maxSize: MAX_FORWARD_FRAME_BYTES })
    const target = await this.readPeer(frames, source, signal)
    if (target == null) return
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.emitRefused('forwarder', source.toString(), new ForwardError(code, reason))
      await answer(frames, { code, reason }, signal)
    }
    const to = target.toString()
    if (!this.options.serve || !this.deps.running()) return refuse(ForwardErrorCode.FORWARD_REFUSED, 'this node does not forward')
    if (target.equals(source) || target.equals(this.deps.self) || !this.deps.isMember(to) || this.deps.shunned(to)) {
      return refuse(ForwardErrorCode.FORWARD_TARGET_UNKNOWN, `${to} is not a member this node forwards to`)
    }
    const from = source.toString()
    if (!this.sources.take(from)) return refuse(ForwardErrorCode.FORWARD_LIMIT, this.sources.full(from) ? `${from} has ${this.options.maxCircuitsPerPeer} forwarded streams here, its limit` : `this node forwards ${this.options.maxCircuits} streams, its limit`)
    if (!this.targets.take(to)) {
      this.sources.release(from)
      return refuse(ForwardErrorCode.FORWARD_LIMIT, this.targets.full(to) ? `${to} has ${this.options.maxCircuitsPerPeer} forwarded streams here, its limit` : `this node forwards ${this.options.maxCircuits} streams, its limit`)
    }
    const release = (): void => {
      this.sources.release(from)
      this.targets.release(to)
    }
    let stop: Stream
    try {
      const toTarget = await this.deps.connectDirect(target, { signal })
      stop = await toTarget.newStream(this.stopProtocol, { signal })
    } catch (err) {
      release()
      return refuse(ForwardErrorCode.FORWARD_UNREACHABLE, `this node could not reach ${to} either: ${(err as Error).message}`)
    }
    let rawStop: Stream
    try {
      rawStop = await this.exchange(stop, this.stopProtocol, source, signal)
    } catch (err) {
      release()
      const code = codeOf(err)
      return refuse(code === WireErrorCode.INTERNAL ? ForwardErrorCode.FORWARD_UNREACHABLE : code, (err as Error).message)
    }
    let rawSource: Stream
    try {
      await frames.write(ForwardResponse, {}, { signal })
      rawSource = frames.unwrap()
    } catch (err) {
      release()
      rawStop.abort(err as Error)
      stream.abort(err as Error)
      return
    }
    this.run({ source: from, target: to, since: Date.now() }, rawSource, rawStop, release)
  }

  /** the target's side: a forwarder says a member's stream arrives through it (the gate let only members through) */
  readonly handleStop = async (stream: Stream, connection: Connection): Promise<void> => {
    const forwarder = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(TIMEOUTS.forward)
    const frames = new Frames(stream, { protocol: this.stopProtocol, maxSize: MAX_FORWARD_FRAME_BYTES })
    const source = await this.readPeer(frames, connection.remotePeer, signal)
    if (source == null) return
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.emitRefused('target', forwarder, new ForwardError(code, reason))
      await answer(frames, { code, reason }, signal)
    }
    const from = source.toString()
    if (!this.options.use || !this.deps.running()) return refuse(ForwardErrorCode.FORWARD_REFUSED, 'this node takes no forwarded connections')
    if (source.equals(this.deps.self) || this.deps.shunned(from)) return refuse(ForwardErrorCode.FORWARD_REFUSED, `this node takes no connection from ${from}`)
    if (this.forwarded.size >= this.options.maxForwarded) return refuse(ForwardErrorCode.FORWARD_LIMIT, `this node holds ${this.options.maxForwarded} forwarded connections, its limit`)
    let raw: Stream
    try {
      await frames.write(ForwardResponse, {}, { signal })
      raw = frames.unwrap()
    } catch (err) {
      stream.abort(err as Error)
      return
    }
    const maConn = new StreamConnection({ stream: raw, remoteAddr: circuitAddr(connection, source), direction: 'inbound', log: stream.log.newScope('forwarded') })
    try {
      await this.deps.upgrader().inbound(maConn, AbortSignal.timeout(TIMEOUTS.forward))
    } catch (err) {
      log('a forwarded connection from %s through %s failed its upgrade - %s', from, forwarder, (err as Error).message)
      maConn.abort(err as Error)
      return
    }
    // the upgraded connection carries the very address object it was given
    const made = this.deps.connections(source).find(c => c.remoteAddr === maConn.remoteAddr)
    if (made != null) this.track(made, from, forwarder, 'inbound')
  }

  /** one request naming `peer` and its answer; the stream for raw bytes, or the refusal as a ForwardError */
  private async exchange (stream: Stream, protocol: string, peer: PeerId, signal: AbortSignal): Promise<Stream> {
    try {
      const frames = new Frames(stream, { protocol, maxSize: MAX_FORWARD_FRAME_BYTES })
      await frames.write(ForwardRequest, { peer: peer.toMultihash().bytes }, { signal })
      const response = await frames.read(ForwardResponse, { signal })
      checkForwardResponse(response, protocol)
      if (response.error != null) {
        await stream.close({ signal }).catch(() => {})
        throw new ForwardError(response.error.code, `refused: ${response.error.code}${response.error.reason === '' ? '' : ` (${response.error.reason})`}`)
      }
      return frames.unwrap()
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** the request's peer id, or undefined after answering a malformed one (counted against `from`) */
  private async readPeer (frames: Frames, from: PeerId, signal: AbortSignal): Promise<PeerId | undefined> {
    try {
      const request = await frames.read(ForwardRequest, { signal })
      checkForwardRequest(request, frames.stream.protocol ?? this.protocol)
      return peerIdFromMultihash(Digest.decode(request.peer))
    } catch (err) {
      const known = codeOf(err)
      const code = known === WireErrorCode.INTERNAL ? WireErrorCode.FRAME_MALFORMED : known
      if (code === WireErrorCode.FRAME_MALFORMED || code === WireErrorCode.FRAME_TOO_LARGE) this.deps.offence(from, code)
      if (code === WireErrorCode.FRAME_MALFORMED) await answer(frames, { code, reason: (err as Error).message }, signal)
      else frames.stream.abort(err as Error)
      return undefined
    }
  }

  private run (info: Omit<CircuitInfo, 'bytes'>, source: Stream, target: Stream, release: () => void): void {
    const pipe = new StreamPipe(source, target, {
      idleMs: this.options.idleTimeoutMs,
      maxBytes: this.options.maxBytesPerCircuit,
      onBytes: (n) => { this.totals.bytes += n }
    })
    const circuit = { info, pipe }
    this.circuits.add(circuit)
    this.totals.circuits++
    log('forwarding %s -> %s', info.source, info.target)
    this.safeDispatchEvent('forward:circuit:opened', { detail: { ...info, bytes: 0 } })
    void pipe.done.then((result) => {
      this.circuits.delete(circuit)
      release()
      const code = result.error == null ? undefined : codeOf(result.error)
      this.safeDispatchEvent('forward:circuit:closed', { detail: { ...info, bytes: result.forward + result.backward, end: result.end, ...(code == null ? {} : { code }) } })
    })
  }

  private track (connection: Connection, peer: string, forwarder: string, direction: 'inbound' | 'outbound'): void {
    if (connection.status !== 'open') return
    this.forwarded.set(connection.id, { peer, forwarder })
    this.totals.connections++
    connection.addEventListener('close', () => { this.forwarded.delete(connection.id) }, { once: true })
    this.safeDispatchEvent('forward:connection', { detail: { peer, forwarder, direction } })
  }

  private emitRefused (role: ForwardRole, peer: string, err: unknown): void {
    this.safeDispatchEvent('forward:refused', { detail: { role, peer, code: codeOf(err), reason: (err as Error).message } })
  }
}

/** a refusal as the answer, then the stream closed */
async function answer (frames: Frames, error: { code: string, reason: string }, signal: AbortSignal): Promise<void> {
  await frames.write(ForwardResponse, { error: { code: error.code, reason: error.reason.slice(0, 256) } }, { signal }).catch(() => {})
  await frames.stream.close({ signal }).catch(() => { frames.stream.abort(new ForwardError(error.code, error.reason)) })
}

/** `<the forwarder's address>/p2p/<forwarder>/p2p-circuit/p2p/<peer>`: the address of a connection forwarded by the other end of `via` */
function circuitAddr (via: Connection, peer: PeerId): Multiaddr {
  const base = via.remoteAddr.getComponents().some(c => c.name === 'p2p') ? via.remoteAddr : via.remoteAddr.encapsulate(`/p2p/${via.remotePeer.toString()}`)
  return base.encapsulate(`/p2p-circuit/p2p/${peer.toString()}`)
}
