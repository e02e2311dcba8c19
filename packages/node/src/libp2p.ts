/**
 * The libp2p node under a realmesh node: TCP, QUIC (when a listen address is /quic-v1), in-memory
 * and circuit relay transports, Noise and yamux (QUIC brings its own TLS 1.3 and streams),
 * and the services kad-dht (on the realm's own protocol id), identify and ping, gossipsub when the
 * realm broadcasts (its policy.broadcast), the NAT traversal services (nat/parts.ts) when `nat` is
 * set, each behind the membership gate (gate/gated-components.ts), and mDNS on the LAN when asked
 * (discovery/mdns.ts).
 */
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { quic } from '@chainsafe/libp2p-quic'
import { memory } from '@libp2p/memory'
// the design's Noise package; @libp2p/noise is the same code under its new name (test/noise-interop.test.ts)
import { noise } from '@chainsafe/libp2p-noise'
import { noiseCrypto } from './noise-crypto.js'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { gossipsub } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { kadProtocol } from '@realmesh/wire'
import { quietLogger } from './util/quiet-logger.js'
import { natServices, relayTransport } from './nat/parts.js'
import { natView } from './nat/view.js'
import { forwardUpgrader } from './forward/upgrader.js'
import type { ForwardUpgrader } from './forward/upgrader.js'
import type { NatServices } from './nat/parts.js'
import type { NatOptions } from './nat/options.js'
import type { NatView } from './nat/view.js'
import { gated } from './gate/gated-components.js'
import { lanDiscovery } from './discovery/mdns.js'
import type { LanDiscovery, MdnsOptions } from './discovery/mdns.js'
import type { GateHooks } from './gate/gated-components.js'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Datastore } from 'interface-datastore'
import type { Multiaddr } from '@multiformats/multiaddr'

// a type alias (not an interface) so it satisfies libp2p's ServiceMap index signature
export type RealmServices = {
  identify: Identify
  ping: Ping
  dht: KadDHT
  /** only in a realm whose policy.broadcast is true */
  pubsub?: GossipSub
  /** this node's addresses as libp2p holds them; finding a member relay */
  nat: NatView
  /** libp2p's upgrader, for connections made inside forwarded streams (forward/) */
  forward: ForwardUpgrader
  /** only with Libp2pAssembly.mdns */
  lan?: LanDiscovery
} & NatServices

export type RealmLibp2p = Libp2p<RealmServices>

export interface ConnectionLimits {
  /** most open connections. @default 300 */
  maxConnections?: number
  /**
   * inbound connections accepted per second from one IP address. libp2p's default (5) is right on
   * the internet; a realm of many nodes on one host (tests, the demo) needs more.
   * @default 5
   */
  inboundConnectionThreshold?: number
  /** inbound connections allowed to be upgrading at once. @default 10 */
  maxIncomingPendingConnections?: number
  /**
   * an inbound connection that has not completed the realm handshake this long after it opened is
   * closed, ms (an outsider's idle connections must not hold slots). @default 5000
   */
  handshakeDeadlineMs?: number
  /** most inbound connections not yet admitted from one IP address; more are closed at once. @default 16 */
  maxUnadmittedPerAddress?: number
  /** most inbound connections not yet admitted in all; more are closed at once (the other slots are for members). @default 64 */
  maxUnadmitted?: number
}

/** KeepaliveInit.tcpIdleMs's default: the kernel probes a TCP connection idle for 30 s */
export const DEFAULT_TCP_IDLE_MS = 30_000

/** how deep kad-dht's bucket tree may split in a realm node (DhtOptions.prefixLength) */
export const DEFAULT_KAD_PREFIX_LENGTH = 16

export interface DhtOptions {
  /** k: bucket size, and how many closest peers a lookup returns. @default 20 */
  kBucketSize?: number
  /** keep private (LAN, loopback) addresses in the DHT: a private realm usually lives on them. @default true */
  allowPrivateAddresses?: boolean
  /**
   * run kad-dht's own background lookups: its self-query (every querySelfInterval) and its routing
   * table refresh (a lookup for a random key at every bucket depth, at start and every 5 min).
   * @default false: realmesh keeps the table itself (membership puts members in it, neighbourhood
   * rounds find the k closest, growth fills the buckets), and each of those lookups asked 20 or
   * more peers, dialling and admitting every one that was not a member. Measured in an in-process
   * realm of 100 on TCP: with them, joining took 25 s and 21 of a table's 48 members right after
   * were peers those lookups had dialled; without, 3 s and none (tables of 42).
   */
  backgroundQueries?: boolean
  /** ms between kad-dht's self-lookups (with backgroundQueries). @default 300000 (kad-dht's) */
  querySelfInterval?: number
  /** ms before kad-dht's first self-lookup after start (with backgroundQueries). @default 1000 */
  initialQuerySelfInterval?: number
  /**
   * how deep kad-dht's bucket tree may split (bits of the kad id). @default 16. kad-dht's own
   * default, 6, leaves one bucket of k for every peer sharing the node's first 6 bits: past about
   * 1,000 members (64 x 20) the closest ones no longer fit, and lookups, answered from this table,
   * miss the true coordinators (@realmesh/sim: at N = 1,000, 845 of 1,000 tables held their 20
   * closest with 6, 996 with 16; at 3,000, 1 with 6). 16 serves realms to about a million.
   */
  prefixLength?: number
  /**
   * queries a kad-dht lookup keeps in flight. @default 3 (Kademlia's alpha; kad-dht 16's is 10)
   */
  alpha?: number
  /**
   * kad-dht's disjoint paths per lookup (S/Kademlia). @default 1. kad-dht 16's default (its alpha,
   * 10) split the k starting peers over 10 paths of 10 queries in flight each: every starting peer
   * asked at once, in random order, before any answer, and each peer named in an answer asked too
   * (if not yet a member: dialled and admitted first). One path with 3 in flight asks the closest
   * peers known first (realmesh's kad-dht patch orders the starting peers), and findCoordinators
   * stops once the R closest known have answered: a few queries instead of ~25 at N = 100.
   */
  disjointPaths?: number
}

export interface Libp2pAssembly {
  privateKey: PrivateKey
  realmId: string
  listen: string[]
  /** run the QUIC transport. @default whether a `listen` address is /quic-v1 */
  quic?: boolean
  connections?: ConnectionLimits
  dht?: DhtOptions
  hooks: () => GateHooks
  /** run gossipsub for realm-wide broadcast (the realm's policy.broadcast). @default false */
  broadcast?: boolean
  /** banned peers: no connection to or from them gets past encryption */
  isBanned: (peer: string) => boolean
  /** where libp2p keeps its peer store (and kad-dht its records). @default in memory */
  datastore?: Datastore
  /** this node sleeps (sleep/sleeper.ts): it dials nobody and takes no connection. @default never */
  quiet?: () => boolean
  /** NAT traversal (relay server, DCUtR, AutoNAT); the relay transport runs regardless. @default none */
  nat?: NatOptions
  /** this node grants relay reservations now (asked only of a member: the hop protocol is gated). @default never */
  relaying?: () => boolean
  /** find members on the local network by mDNS (discovery/mdns.ts). @default off */
  mdns?: MdnsOptions
  /**
   * peers (and addresses) this node never dials directly: an operator's filter, and how a test
   * makes two members unable to reach each other. A member behind it can still be reached through
   * a forwarder (forward/), whose connection is no dial. @default none
   */
  denyDial?: (peer: string, addr?: Multiaddr) => boolean
  /** libp2p's metrics implementation (e.g. prometheusMetrics()); realmesh registers its own instruments on it too. @default none */
  metrics?: Libp2pOptions['metrics']
  /** idle time before the kernel's TCP keepalive probes a connection, ms (KeepaliveInit.tcpIdleMs; 0: the system's). @default 30000 */
  tcpIdleMs?: number
}

/** a dial address `denyDial` refuses: by its peer id (the last /p2p/ part, if any) and the address */
function deniedAddress (addr: Multiaddr, denyDial: (peer: string, addr?: Multiaddr) => boolean): boolean {
  const peer = addr.getComponents().findLast(c => c.name === 'p2p')?.value
  return denyDial(peer ?? '', addr)
}

/** a QUIC listen address (`/ip4/0.0.0.0/udp/4001/quic-v1`) */
function isQuic (addr: string): boolean {
  return /\/quic-v1(\/|$)/.test(addr)
}

export async function assembleLibp2p (init: Libp2pAssembly): Promise<RealmLibp2p> {
  const dht = init.dht ?? {}
  const tcpIdleMs = init.tcpIdleMs ?? DEFAULT_TCP_IDLE_MS
  if (!Number.isInteger(tcpIdleMs) || tcpIdleMs < 0) throw new RangeError(`keepalive.tcpIdleMs must be a whole number of ms >= 0, got ${tcpIdleMs}`)
  // Node's keepAliveInitialDelay: 0 keeps the system's idle time
  const tcpKeepAlive = { keepAlive: true, keepAliveInitialDelay: tcpIdleMs }
  // broadcast: realm members only (the gate), messages signed by their originator
  const broadcast = init.broadcast === true
    ? {
        pubsub: gated(gossipsub({
          emitSelf: false,
          allowPublishToZeroTopicPeers: true,
          fallbackToFloodsub: false,
          globalSignaturePolicy: 'StrictSign',
          maxInboundDataLength: 1024 * 1024
        }), init.hooks)
      }
    : {}
  return createLibp2p<RealmServices>({
    start: false,
    privateKey: init.privateKey,
    datastore: init.datastore,
    metrics: init.metrics,
    // per-connection and per-stream loggers cost heap only where DEBUG turns them on
    logger: quietLogger(),
    addresses: { listen: init.listen },
    // QUIC only where asked (by default: where the node listens on it): the transport opens its
    // dialling sockets (and a native runtime) when built, which a TCP-only node, or each of a
    // test's hundred nodes, does without
    // the kernel probes a TCP connection idle for tcpIdleMs and closes it when its peer is gone
    // (KeepaliveInit.tcpIdleMs); one with nothing on it for 10 min is closed (tcp's own default,
    // 2 min, is shorter than a keepalive's 5 min to a member outside the neighbourhood)
    transports: [tcp({ inboundSocketInactivityTimeout: 600_000, outboundSocketInactivityTimeout: 600_000, dialOpts: tcpKeepAlive, listenOpts: tcpKeepAlive }), ...((init.quic ?? init.listen.some(isQuic)) ? [quic()] : []), memory(), relayTransport(init.hooks, init.nat)],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    // yamux's ping only measures the round trip here (a stream's receive window grows from it; a
    // failed ping closes nothing): once when the connection opens, then hourly instead of every
    // 30 s, from each end of every connection. At 5 min they were still about a third of a
    // resting member's frames (a table of 65: 0.43 pings a second against 1.05 keepalives). A
    // member is checked by realmesh's keepalive (membership/liveness.ts), which also keeps
    // middleboxes' idle timers and a forwarded connection's (120 s) from running out.
    streamMuxers: [yamux({ keepAliveInterval: 3_600_000 })],
    // realmesh's keepalive (membership/liveness.ts) replaces libp2p's connection monitor
    connectionMonitor: { enabled: false },
    connectionGater: {
      denyDialPeer: (peer) => init.isBanned(peer.toString()) || init.quiet?.() === true || init.denyDial?.(peer.toString()) === true,
      denyDialMultiaddr: (addr) => init.quiet?.() === true || (init.denyDial != null && deniedAddress(addr, init.denyDial)),
      denyInboundConnection: () => init.quiet?.() === true,
      denyInboundEncryptedConnection: (peer) => init.isBanned(peer.toString()),
      denyOutboundEncryptedConnection: (peer) => init.isBanned(peer.toString()),
      denyInboundRelayReservation: () => init.relaying?.() !== true
    },
    connectionManager: {
      maxConnections: init.connections?.maxConnections ?? 300,
      inboundConnectionThreshold: init.connections?.inboundConnectionThreshold ?? 5,
      maxIncomingPendingConnections: init.connections?.maxIncomingPendingConnections ?? 10
    },
    services: {
      // identify never runs on open: RealmNode runs it once a connection is admitted, and only in a
      // realm that broadcasts (gossipsub's topology needs it; kad-dht's table is fed by membership)
      identify: gated(identify({ runOnConnectionOpen: false }), init.hooks),
      ping: gated(ping(), init.hooks),
      dht: gated(kadDHT({
        protocol: kadProtocol(init.realmId),
        clientMode: false,
        kBucketSize: dht.kBucketSize ?? 20,
        prefixLength: dht.prefixLength ?? DEFAULT_KAD_PREFIX_LENGTH,
        alpha: dht.alpha ?? 3,
        disjointPaths: dht.disjointPaths ?? 1,
        peerInfoMapper: (dht.allowPrivateAddresses ?? true) ? passthroughMapper : removePrivateAddressesMapper,
        backgroundQueries: dht.backgroundQueries ?? false,
        querySelfInterval: dht.querySelfInterval,
        initialQuerySelfInterval: dht.initialQuerySelfInterval ?? 1_000,
        logPrefix: 'realmesh:kad',
        datastorePrefix: `/realmesh/${init.realmId}/dht`,
        metricsPrefix: 'realmesh_kad'
      }), init.hooks, { livenessPing: true }),
      nat: natView(),
      forward: forwardUpgrader(),
      ...natServices(init.hooks, init.nat),
      ...broadcast,
      ...(init.mdns == null ? {} : { lan: lanDiscovery(init.realmId, init.mdns) })
    }
  })
}
