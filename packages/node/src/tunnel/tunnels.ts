/**
 * /realmesh/tunnel/1: TCP connections carried to services members expose (like `ssh -L`, with the
 * realm's membership and each service's allow rules in place of ssh's accounts).
 *
 * The exposing side keeps a registry of named services (services.ts). An opener sends one
 * TunnelRequest naming the service; the exposing side checks the name, the service's allow rules
 * against the opener's membership (its peer id, identity and token attributes), its tunnel limits
 * (per peer and in all), connects to the service, and answers; after an answer without error the
 * stream carries the connection's raw bytes (splice.ts). A LIST request asks which services a member
 * exposes to the asker, a PROBE whether an open would be allowed. Every refusal has a stable code.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, TunnelRequest, TunnelResponse, WireErrorCode, checkTunnelRequest, checkTunnelResponse, isServiceName } from '@realmesh/wire'
import { TypedEventEmitter } from 'main-event'
import { codeOf } from '../subjects/subject-protocol.js'
import { withTimeout } from '../util/signals.js'
import { dialError } from '../network-errors.js'
import { TunnelError, TunnelErrorCode } from './errors.js'
import { ServiceRegistry, allows } from './services.js'
import { Splice } from './splice.js'
import { connectTcp } from './tcp.js'
import { Slots } from './slots.js'
import { Forward } from './forward.js'
import type { ForwardOptions } from './forward.js'
import type { Service, ServiceDefinition, TunnelParty } from './services.js'
import type { SpliceEnd } from './splice.js'
import type { Socket } from 'node:net'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'

export interface TunnelsInit {
  /** most services exposed at once. @default 32 (at most 100) */
  maxServices?: number
  /** most tunnels open at once into this node, and (separately) out of it. @default 64 */
  maxTunnels?: number
  /** most tunnels one member may have open into this node at once. @default 16 */
  maxTunnelsPerPeer?: number
  /** a tunnel that carries no byte either way for this long is closed at both ends. @default 300_000 (5 min) */
  idleTimeoutMs?: number
  /** how long the exposing side tries to connect to a service before refusing TUNNEL_CONNECT_FAILED. @default 5_000 */
  connectTimeoutMs?: number
  /** most forwards (local listeners) open at once. @default 16 */
  maxForwards?: number
}

export const TUNNEL_DEFAULTS = {
  maxServices: 32,
  maxTunnels: 64,
  maxTunnelsPerPeer: 16,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 5_000,
  maxForwards: 16
} as const

/** how many members `reachable()` asks at most, how many at once, and how long each may take */
const REACHABLE_MEMBERS = 64
const REACHABLE_CONCURRENCY = 8
const REACHABLE_TIMEOUT_MS = 5_000

export interface TunnelsDeps {
  openStream: (peer: PeerId | string, protocol: string, options: AbortOptions) => Promise<Stream>
  /** the member behind a peer id (undefined: not a member) */
  party: (peer: string) => TunnelParty | undefined
  /** the peer id a tunnel target names: a member's node peer id, or an identity a member runs as */
  resolve: (target: string) => PeerId
  /** current members, most recently seen first */
  members: () => TunnelParty[]
  /** a malformed request, for scoring */
  refused: (peer: string, code: string) => void
  now: () => number
}

export type TunnelDirection = 'in' | 'out'

export interface TunnelInfo {
  /** a number unique in this node's run */
  id: number
  /** in: a member's tunnel to a service this node exposes; out: this node's tunnel to a member's service */
  direction: TunnelDirection
  /** the other node's peer id */
  peer: string
  service: string
  /** when it opened, ms */
  since: number
  /** bytes sent and received by this end on the stream (out: from the local client; in: from the service) */
  sent: number
  received: number
}

export interface TunnelClosedDetail extends TunnelInfo {
  end: SpliceEnd
  /** the error's code when it did not end in order (TUNNEL_IDLE, TUNNEL_CLOSED, a socket's, a stream reset's) */
  code?: string
  durationMs: number
}

export interface TunnelRefusedDetail {
  direction: TunnelDirection
  peer: string
  service: string
  code: string
  reason: string
}

export interface TunnelEvents {
  'tunnel:opened': CustomEvent<TunnelInfo>
  'tunnel:closed': CustomEvent<TunnelClosedDetail>
  /** a tunnel was refused: one a member opened into this node (in), or one this node opened (out) */
  'tunnel:refused': CustomEvent<TunnelRefusedDetail>
}

/** what a member exposes to this node */
export interface ReachableServices {
  peer: string
  identity: string
  services: string[]
}

export interface TunnelsStatus {
  services: Array<Service & { tunnels: number }>
  tunnels: TunnelInfo[]
  forwards: Array<{ host: string, port: number, peer: string, service: string, tunnels: number }>
}

interface Active { info: Omit<TunnelInfo, 'sent' | 'received'>, splice: Splice }

export class Tunnels extends TypedEventEmitter<TunnelEvents> {
  readonly services: ServiceRegistry
  private readonly deps: TunnelsDeps
  private readonly limits: Required<TunnelsInit>
  private readonly inbound: Slots
  private readonly outbound: Slots
  private readonly active = new Map<number, Active>()
  private readonly forwards = new Set<Forward>()
  private nextId = 1
  private running = false

  constructor (deps: TunnelsDeps, init: TunnelsInit = {}) {
    super()
    this.deps = deps
    this.limits = { ...TUNNEL_DEFAULTS, ...withoutUndefined(init) }
    this.services = new ServiceRegistry(this.limits.maxServices, deps.now)
    this.inbound = new Slots(this.limits.maxTunnels, this.limits.maxTunnelsPerPeer)
    this.outbound = new Slots(this.limits.maxTunnels, this.limits.maxTunnels)
  }

  /** the idle timeout tunnels get: this node's */
  get idleTimeoutMs (): number {
    return this.limits.idleTimeoutMs
  }

  start (): void {
    this.running = true
  }

  /** Closes every forward and every tunnel (TUNNEL_CLOSED), and waits for them to finish. */
  async stop (): Promise<void> {
    this.running = false
    const closing = [...this.forwards].map(async f => f.close())
    const ended = [...this.active.values()].map(async (a) => {
      a.splice.close(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the node is stopping'))
      await a.splice.done
    })
    await Promise.all([...closing, ...ended])
  }

  /**
   * Exposes a service, or replaces the definition of one of that name: then every open tunnel to
   * it whose member the new rules do not admit is reset at once (TUNNEL_NOT_ALLOWED; `closed`
   * counts them), and the others go on, to the endpoint they were opened to (a new HOST:PORT
   * serves tunnels opened from now on). TUNNEL_SERVICE_INVALID or TUNNEL_SERVICES_FULL, and
   * nothing changes, otherwise.
   */
  expose (definition: ServiceDefinition): { service: Service, replaced: boolean, closed: number } {
    const { service, replaced } = this.services.set(definition)
    return { service, replaced, closed: replaced ? this.closeDisallowed(a => a.info.service === service.name) : 0 }
  }

  /**
   * `peer` may present other attributes now (a renewed token, a new identity token at a new
   * admission): its tunnels into this node that its services' rules no longer admit are reset
   * (TUNNEL_NOT_ALLOWED). Returns how many.
   */
  recheck (peer: string): number {
    return this.closeDisallowed(a => a.info.peer === peer)
  }

  /**
   * `peer`'s membership ended: its tunnels (either way) are reset now (TUNNEL_CLOSED). The gate
   * closes its connections too, but in order, and a stream closed in order reads as a complete end
   * at the other side: a byte stream cut midway must arrive there as a reset.
   */
  closePeer (peer: string): void {
    for (const a of this.active.values()) {
      if (a.info.peer === peer) a.splice.close(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, `${peer} is no longer a member`))
    }
  }

  /** Stops exposing a service; its open tunnels are closed (TUNNEL_CLOSED). Returns whether it was exposed. */
  unexpose (name: string): boolean {
    if (!this.services.delete(name)) return false
    for (const a of this.active.values()) {
      if (a.info.direction === 'in' && a.info.service === name) a.splice.close(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, `the service ${name} is no longer exposed`))
    }
    return true
  }

  /** resets the inbound tunnels `which` selects whose service's rules do not admit their member now */
  private closeDisallowed (which: (a: Active) => boolean): number {
    let closed = 0
    for (const a of this.active.values()) {
      if (a.info.direction !== 'in' || !which(a)) continue
      const service = this.services.get(a.info.service)
      const party = this.deps.party(a.info.peer)
      // a service no longer exposed is unexpose()'s to close; a peer no longer a member is admitted by no rule
      if (service == null || (party != null && allows(service, party))) continue
      a.splice.close(new TunnelError(TunnelErrorCode.TUNNEL_NOT_ALLOWED, `the rules of ${a.info.service} no longer admit ${a.info.peer}`))
      closed++
    }
    return closed
  }

  status (): TunnelsStatus {
    const tunnels = [...this.active.values()].map(a => ({ ...a.info, sent: a.splice.sent, received: a.splice.received }))
    return {
      services: this.services.list().map(s => ({ ...s, tunnels: tunnels.filter(t => t.direction === 'in' && t.service === s.name).length })),
      tunnels,
      forwards: [...this.forwards].map(f => ({ host: f.host, port: f.port, peer: f.peer, service: f.service, tunnels: f.tunnels }))
    }
  }

  /**
   * Opens a tunnel to `service` on `target` (a member's peer id, or an identity a member runs as)
   * and returns its stream, carrying raw bytes from now on; the caller owns it (neither this
   * node's limits nor its idle timeout apply: see pipe()). A refusal is a TunnelError with the
   * exposing member's code; an unreachable target PEER_NOT_A_MEMBER or the dial's code.
   */
  async open (target: PeerId | string, service: string, options: AbortOptions = {}): Promise<Stream> {
    const { stream } = await this.request(target, TunnelRequest.Type.OPEN, service, options)
    return stream
  }

  /** Asks whether opening `service` on `target` would be allowed now (a TunnelError with the refusal's code if not). */
  async probe (target: PeerId | string, service: string, options: AbortOptions = {}): Promise<void> {
    const { stream } = await this.request(target, TunnelRequest.Type.PROBE, service, options)
    await stream.close(options).catch(() => { stream.abort(new Error('probe done')) })
  }

  /** The services `target` exposes to this node (names). */
  async servicesOf (target: PeerId | string, options: AbortOptions = {}): Promise<string[]> {
    const { stream, response } = await this.request(target, TunnelRequest.Type.LIST, '', options)
    await stream.close(options).catch(() => { stream.abort(new Error('list done')) })
    return response.services
  }

  /**
   * What this node can reach: asks up to 64 current members (8 at a time, 5 s each) which services
   * they expose to it. Members that expose none, or do not answer, are left out.
   */
  async reachable (options: AbortOptions = {}): Promise<ReachableServices[]> {
    const members = this.deps.members().slice(0, REACHABLE_MEMBERS)
    const found: ReachableServices[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < members.length) {
        options.signal?.throwIfAborted()
        const member = members[next++] as TunnelParty
        const services = await this.servicesOf(member.peer, { signal: withTimeout(options, REACHABLE_TIMEOUT_MS) }).catch(() => [])
        if (services.length > 0) found.push({ peer: member.peer, identity: member.identity, services })
      }
    }
    await Promise.all(Array.from({ length: REACHABLE_CONCURRENCY }, worker))
    return found.sort((a, b) => a.peer.localeCompare(b.peer))
  }

  /**
   * Carries `socket` (a connected TCP socket, paused or not) to `service` on `target`, within this
   * node's outbound limit and idle timeout. Resolves once the tunnel is open (its `done` resolves
   * when it ends); rejects with the refusal (the socket is then reset).
   */
  async pipe (socket: Socket, target: PeerId | string, service: string, options: AbortOptions = {}): Promise<{ id: number, done: Promise<TunnelClosedDetail> }> {
    const peer = typeof target === 'string' ? target : target.toString()
    const refuse = (err: unknown): never => {
      socket.resetAndDestroy()
      this.safeDispatchEvent('tunnel:refused', { detail: { direction: 'out', peer, service, code: codeOf(err), reason: (err as Error).message } })
      throw err
    }
    if (!this.running) refuse(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the node is not started'))
    if (!this.outbound.take(peer)) refuse(new TunnelError(TunnelErrorCode.TUNNEL_LIMIT, `this node has ${this.limits.maxTunnels} tunnels open, its limit`))
    let stream: Stream
    let remote: string
    try {
      ({ stream, peer: remote } = await this.request(target, TunnelRequest.Type.OPEN, service, options))
    } catch (err) {
      this.outbound.release(peer)
      return refuse(err)
    }
    if (socket.destroyed) {
      this.outbound.release(peer)
      stream.abort(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the local connection closed while the tunnel opened'))
      return refuse(new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the local connection closed while the tunnel opened'))
    }
    return this.run('out', remote, service, stream, socket, () => { this.outbound.release(peer) })
  }

  /** Opens a local TCP listener whose every connection is piped to `service` on `target` (like `ssh -L`). */
  async forward (options: ForwardOptions): Promise<Forward> {
    if (!this.running) throw new TunnelError(TunnelErrorCode.TUNNEL_CLOSED, 'the node is not started')
    if (this.forwards.size >= this.limits.maxForwards) throw new TunnelError(TunnelErrorCode.TUNNEL_LIMIT, `this node has ${this.limits.maxForwards} forwards open, its limit`)
    const forward = await Forward.open(options, async (socket, o) => this.pipe(socket, options.target, options.service, o))
    this.forwards.add(forward)
    void forward.closed.then(() => { this.forwards.delete(forward) })
    return forward
  }

  /** a member opened a tunnel stream to this node (the gate let only members through) */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(TIMEOUTS.tunnel)
    const frames = new Frames(stream, { protocol: PROTOCOLS.tunnel, maxSize: FRAME_LIMITS.tunnel })
    let request: TunnelRequest
    try {
      request = await frames.read(TunnelRequest, { signal })
      checkTunnelRequest(request)
    } catch (err) {
      const code = codeOf(err)
      if (code === WireErrorCode.FRAME_MALFORMED || code === WireErrorCode.FRAME_TOO_LARGE) this.deps.refused(peer, code)
      if (code === WireErrorCode.FRAME_MALFORMED) await this.answer(frames, { code, reason: (err as Error).message }, signal)
      else stream.abort(err as Error)
      return
    }
    const party = this.deps.party(peer)
    if (request.type === TunnelRequest.Type.LIST) {
      const services = party == null ? [] : this.services.list().filter(s => allows(s, party)).map(s => s.name)
      await frames.write(TunnelResponse, { services }, { signal }).catch(() => {})
      await stream.close({ signal }).catch(() => {})
      return
    }
    const name = request.service
    const refuse = async (code: string, reason: string): Promise<void> => {
      this.safeDispatchEvent('tunnel:refused', { detail: { direction: 'in', peer, service: name, code, reason } })
      await this.answer(frames, { code, reason }, signal)
    }
    const service = this.services.get(name)
    if (!this.running) return refuse(TunnelErrorCode.TUNNEL_CLOSED, 'the node is stopping')
    if (service == null) return refuse(TunnelErrorCode.TUNNEL_UNKNOWN_SERVICE, `this node exposes no service ${name}`)
    if (party == null || !allows(service, party)) return refuse(TunnelErrorCode.TUNNEL_NOT_ALLOWED, `the rules of ${name} do not admit ${peer}`)
    if (request.type === TunnelRequest.Type.PROBE) {
      await frames.write(TunnelResponse, {}, { signal }).catch(() => {})
      await stream.close({ signal }).catch(() => {})
      return
    }
    if (!this.inbound.take(peer)) return refuse(TunnelErrorCode.TUNNEL_LIMIT, this.inbound.full(peer) ? `${peer} has ${this.limits.maxTunnelsPerPeer} tunnels open here, its limit` : `this node has ${this.limits.maxTunnels} tunnels open, its limit`)
    let socket: Socket
    try {
      socket = await connectTcp(service.host, service.port, { timeoutMs: this.limits.connectTimeoutMs, signal })
    } catch (err) {
      this.inbound.release(peer)
      return refuse(TunnelErrorCode.TUNNEL_CONNECT_FAILED, (err as Error).message)
    }
    let raw: Stream
    try {
      await frames.write(TunnelResponse, {}, { signal })
      // what the opener sent after its request is handed back to the stream (unwrap throws when it closed meanwhile)
      raw = frames.unwrap()
    } catch (err) {
      this.inbound.release(peer)
      socket.destroy()
      stream.abort(err as Error)
      return
    }
    await this.run('in', peer, name, raw, socket, () => { this.inbound.release(peer) })
  }

  /** one request and its response; on an error response, a TunnelError with its code (the stream closed) */
  private async request (target: PeerId | string, type: TunnelRequest.Type, service: string, options: AbortOptions): Promise<{ stream: Stream, response: TunnelResponse, peer: string }> {
    if (type !== TunnelRequest.Type.LIST && !isServiceName(service)) {
      throw new TunnelError(TunnelErrorCode.TUNNEL_SERVICE_INVALID, `service name ${JSON.stringify(service)}: 1 to 64 of [A-Za-z0-9._-], beginning with a letter or digit`)
    }
    const peer = typeof target === 'string' ? this.deps.resolve(target) : target
    const signal = withTimeout(options, TIMEOUTS.tunnel)
    let stream: Stream
    try {
      stream = await this.deps.openStream(peer, PROTOCOLS.tunnel, { signal })
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      throw dialError(err)
    }
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.tunnel, maxSize: FRAME_LIMITS.tunnel })
      await frames.write(TunnelRequest, { type, service }, { signal })
      const response = await frames.read(TunnelResponse, { signal })
      checkTunnelResponse(response)
      if (response.error != null) {
        await stream.close({ signal }).catch(() => {})
        throw new TunnelError(response.error.code, `${peer.toString()} refused the tunnel to ${service}: ${response.error.code}${response.error.reason === '' ? '' : ` (${response.error.reason})`}`)
      }
      return { stream: frames.unwrap(), response, peer: peer.toString() }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** a refusal (or a malformed request's code) as the answer, then the stream closed */
  private async answer (frames: Frames, error: { code: string, reason: string }, signal: AbortSignal): Promise<void> {
    await frames.write(TunnelResponse, { error: { code: error.code, reason: error.reason.slice(0, 256) } }, { signal }).catch(() => {})
    await frames.stream.close({ signal }).catch(() => { frames.stream.abort(new TunnelError(error.code, error.reason)) })
  }

  /** an open tunnel: spliced, listed while it runs, its slot given back and `tunnel:closed` when it ends */
  private async run (direction: TunnelDirection, peer: string, service: string, stream: Stream, socket: Socket, release: () => void): Promise<{ id: number, done: Promise<TunnelClosedDetail> }> {
    const id = this.nextId++
    const splice = new Splice(stream, socket, { idleMs: this.limits.idleTimeoutMs })
    const info = { id, direction, peer, service, since: this.deps.now() }
    this.active.set(id, { info, splice })
    this.safeDispatchEvent('tunnel:opened', { detail: { ...info, sent: 0, received: 0 } })
    const done = splice.done.then((result) => {
      this.active.delete(id)
      release()
      const detail: TunnelClosedDetail = { ...info, sent: result.sent, received: result.received, end: result.end, durationMs: this.deps.now() - info.since, ...(result.error == null ? {} : { code: errorCode(result.error) }) }
      this.safeDispatchEvent('tunnel:closed', { detail })
      return detail
    })
    return { id, done }
  }
}

/** a code for how a tunnel ended: a realmesh code, a socket's (ECONNRESET), or libp2p's error name */
function errorCode (err: Error): string {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && code !== '' ? code : err.name
}

function withoutUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
