/**
 * The membership gate for libp2p services (kad-dht, identify, ping, gossipsub, and the NAT
 * traversal parts: circuit relay, DCUtR, AutoNAT): each service is
 * built with a view of the libp2p components in which
 *   - registrar.handle() wraps the service's handler so that a stream from a connection that has
 *     not passed handshake + join is aborted with NOT_A_MEMBER (after waiting for an admission that
 *     is under way), and
 *   - connectionManager.openStream() admits the connection (handshake + join as the dialer) before
 *     opening the service's stream on it.
 *
 * Why not libp2p's own stream middleware (`libp2p.use`)? In libp2p 3.3.x the inbound path pushes
 * the protocol handler onto the registered middleware array itself, so every inbound stream leaves
 * one more handler behind and the N-th stream runs the handler N times. Wrapping the components
 * the services see gives the same guarantee without depending on that code path.
 */
import { NotMemberError } from '../errors.js'
import type { Admission } from './admission.js'
import type { Guard } from '../security/guard.js'
import type { Connection, PeerId, Stream, StreamHandler, StreamHandlerOptions, AbortOptions } from '@libp2p/interface'
import type { ConnectionManager, Registrar, OpenConnectionOptions, RandomWalk } from '@libp2p/interface-internal'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface GateHooks {
  admission: Admission
  /** the connection is admitted and its peer still a member with a current token (else it is dropped now) */
  isCurrent: (connection: Connection) => boolean
  guard: Guard
  /** a member opened a stream (of `protocol`): it is alive */
  onMemberStream: (connection: Connection, protocol: string) => void
  /** whether the peer was ever admitted by us (a stream from an ex-member racing its drop is no offence) */
  wasAdmitted: (peer: PeerId) => boolean
  /**
   * liveness check for kad-dht (its `ping` component): answered from membership's soft state for
   * a member heard from recently, a real ping otherwise. Resolves with a round trip in ms.
   */
  livenessPing: (peer: PeerId, options?: AbortOptions) => Promise<number>
  /** opens a stream on an admitted connection to `peer` (dialing and admitting one if needed) */
  openStream: (peer: PeerId | Multiaddr | Multiaddr[], protocols: string[], options?: AbortOptions) => Promise<Stream>
}

interface ServiceComponents {
  registrar: Registrar
  connectionManager: ConnectionManager
}

export interface GatedOptions {
  /** give the service membership's liveness as its `ping` component (kad-dht) */
  livenessPing?: boolean
  /**
   * give the service a random walk that finds nobody: circuit-relay's relay discovery and
   * AutoNAT walk the DHT and dial whoever they meet, but in a realm the peers worth asking are
   * the members already connected (identify tells the service who speaks its protocol)
   */
  noRandomWalk?: boolean
  /**
   * every openConnection the service makes is a new connection (`force`): AutoNAT's dial-back
   * would otherwise get the member's existing connection back, find its address differs, and
   * close it
   */
  freshDials?: boolean
}

/** Wraps a libp2p service factory so the service only ever talks to admitted connections. */
export function gated<C, S> (factory: (components: C) => S, hooks: () => GateHooks, options: GatedOptions = {}): (components: C & ServiceComponents) => S {
  return (components: C & ServiceComponents) => factory(gatedComponents(components, hooks, options))
}

export function gatedComponents<C extends ServiceComponents> (components: C, hooks: () => GateHooks, options: GatedOptions = {}): C {
  const registrar = gatedRegistrar(components.registrar, hooks)
  const connectionManager = gatedConnectionManager(components.connectionManager, hooks, options.freshDials === true)
  const ping = { ping: async (peer: PeerId, o?: AbortOptions) => hooks().livenessPing(peer, o) }
  return new Proxy(components, {
    get (target, prop, receiver) {
      if (prop === 'registrar') return registrar
      if (prop === 'connectionManager') return connectionManager
      if (prop === 'ping' && options.livenessPing === true) return ping
      if (prop === 'randomWalk' && options.noRandomWalk === true) return noWalk
      return Reflect.get(target, prop, receiver)
    }
  })
}

/**
 * A handler that only runs for streams from peers that are not banned, within the protocol's rate
 * limit, on admitted connections; every refusal counts against the peer's score.
 */
export function gateHandler (protocol: string, handler: StreamHandler, hooks: () => GateHooks): StreamHandler {
  const limited = rateLimitedHandler(protocol, async (stream, connection) => {
    const { admission, guard } = hooks()
    try {
      await admission.ensureInbound(connection, protocol)
      if (!hooks().isCurrent(connection)) throw new NotMemberError(connection.remotePeer.toString(), protocol)
    } catch (err) {
      stream.abort(err as Error)
      // strangers probing realm protocols are penalised; a (recent) member whose stream races its
      // own drop or a reconnect is not
      if (!hooks().wasAdmitted(connection.remotePeer)) guard.offence(connection.remotePeer.toString(), 'NOT_A_MEMBER')
      return
    }
    hooks().onMemberStream(connection, protocol)
    await handler(stream, connection)
  }, hooks)
  return limited
}

/** A handler that refuses banned peers and streams over the protocol's rate limit (no membership check). */
export function rateLimitedHandler (protocol: string, handler: StreamHandler, hooks: () => GateHooks): StreamHandler {
  return async (stream: Stream, connection: Connection) => {
    const { guard } = hooks()
    const peer = connection.remotePeer.toString()
    if (guard.isBanned(peer) || !guard.allowStream(peer, protocol)) {
      stream.abort(new NotMemberError(peer, protocol))
      return
    }
    await handler(stream, connection)
  }
}

function gatedRegistrar (registrar: Registrar, hooks: () => GateHooks): Registrar {
  return new Proxy(registrar, {
    get (target, prop, receiver) {
      if (prop === 'handle') {
        return async (protocol: string | string[], handler: StreamHandler, options?: StreamHandlerOptions) => {
          const protocols = Array.isArray(protocol) ? protocol : [protocol]
          for (const p of protocols) {
            await target.handle(p, gateHandler(p, handler, hooks), options)
          }
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/** a random walk that ends at once (see GatedOptions.noRandomWalk) */
const noWalk: RandomWalk = {
  async * walk () {}
}

function gatedConnectionManager (connectionManager: ConnectionManager, hooks: () => GateHooks, freshDials: boolean): ConnectionManager {
  return new Proxy(connectionManager, {
    get (target, prop, receiver) {
      if (prop === 'openStream') {
        return async (peer: PeerId | Multiaddr | Multiaddr[], protocol: string | string[], options?: OpenConnectionOptions & AbortOptions) => {
          return hooks().openStream(peer, Array.isArray(protocol) ? protocol : [protocol], options)
        }
      }
      if (prop === 'openConnection' && freshDials) {
        return async (peer: PeerId | Multiaddr | Multiaddr[], options?: OpenConnectionOptions) => target.openConnection(peer, { ...options, force: true })
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
