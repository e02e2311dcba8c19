import type { NatInit } from './nat/options.js'
import type { HandshakeInit } from './handshake/handshake.js'
import type { JoinInit } from './join/join.js'
import type { JoinCallback } from './join/decisions.js'
import type { ConnectionLimits, DhtOptions } from './libp2p.js'
import type { BackoffInit } from './util/backoff.js'
import type { GuardInit } from './security/guard.js'
import type { KeepaliveInit } from './membership/liveness.js'
import type { NeighbourhoodInit } from './membership/neighbourhood.js'
import type { RedialInit } from './membership/redial.js'
import type { SubjectsInit } from './subjects/subjects.js'
import type { MessagingInit } from './messaging/messaging.js'
import type { DurableInit } from './durable/options.js'
import type { RelayLimits } from './relay/relay-store.js'
import type { MdnsOptions } from './discovery/mdns.js'
import type { LanJoinsInit } from './discovery/lan-joins.js'
import type { RevocationStore } from './revocation/revocations.js'
import type { EpochStore } from './epochs/epochs.js'
import type { SleepInit } from './sleep/schedule.js'
import type { SleepWatchInit } from './sleep/sleep-watch.js'
import type { TunnelsInit } from './tunnel/tunnels.js'
import type { ForwardingInit } from './forward/options.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { Datastore } from 'interface-datastore'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmDescriptor } from '@realmesh/token'

export interface TokenRequestInit {
  /** the realm's join secret, for a leader whose policy auto-approves holders of it */
  joinSecret?: string
  /** requested token lifetime in seconds (the leader caps it) */
  ttlSeconds?: number
  /** extensions to ask for in the token (hostname, ...) */
  attributes?: Record<string, string>
  /**
   * an invitation (readInvitation: its id and secret): the leader issues the token with the
   * invitation's attributes, whatever its policy, while the invitation is open (INVITATION_USED,
   * INVITATION_EXPIRED, INVITATION_CANCELLED, INVITATION_UNKNOWN otherwise). Takes the place of `joinSecret`.
   */
  invitation?: { id: string, secret: string }
}

export interface RealmNodeInit {
  /** the realm to join (realm.json) */
  realm: RealmDescriptor
  /** the node's Ed25519 key; its peer id is the node's identity on the network */
  privateKey: PrivateKey
  /**
   * The node token the realm leader issued for this peer id. Without one, the node asks the
   * leader for one at start (see `tokenRequest`), and emits `token` when it gets it.
   */
  nodeToken?: string
  /**
   * The identity token of the user/app that uses this node, when that identity is not the node
   * itself; it must name this node's fingerprint. @default the node token (node = identity)
   */
  identityToken?: string
  /**
   * The key of the identity in `identityToken`: interest tokens are signed with it. Required for
   * subjects when `identityToken` is given. @default the node key (node = identity)
   */
  identityKey?: PrivateKey
  /** how to ask the leader for a node token when `nodeToken` is not given */
  tokenRequest?: TokenRequestInit
  /**
   * Renew the node token from the realm leader at two thirds of its lifetime (then `token` again,
   * to persist): the leader issues a member a fresh token with its current token's attributes
   * (`tokenRequest.ttlSeconds` asks for a lifetime). Members keep the node past the old token's
   * expiry once they have its re-signed record (an UPDATE to each). Failures are retried with
   * `backoff` until the token expires (`token:renewal-failed`). Not on the realm leader, which
   * renews its own. @default true
   */
  renewToken?: boolean
  /** @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /**
   * Run the QUIC transport (@chainsafe/libp2p-quic): listen on the `/udp/P/quic-v1` addresses in
   * `listen` and dial members' QUIC addresses. A node that listens on none and should still dial
   * QUIC (one behind a NAT that only dials out) sets it. @default whether a `listen` address is /quic-v1
   */
  quic?: boolean
  /**
   * Addresses (with /p2p/<peer id>) to join the realm through, and to dial again whenever this
   * node has no connection to their peer (see `redial`). An empty list (or one naming only this node) makes this
   * node the realm's first member: it is joined at once. @default realm.bootstrap
   */
  bootstrap?: string[]
  /**
   * Find members on the local network by mDNS (issue 21 item 5) and announce this node there: a
   * member found is dialled, and the handshake and join decide as for a bootstrap address, so a
   * node joins through a member on its segment when no bootstrap address answers (or it has none),
   * and a node without a token asks the realm leader found there. The service name is derived
   * from the realm id (discovery/mdns.ts says what it reveals); outsiders announcing themselves
   * get dialled at most once a minute, at most `maxDials` at once and `maxDialsPerMinute` in all,
   * and leave nothing behind. Off by default: announcing this node's peer id and addresses to
   * everyone on the segment is the operator's choice. @default off
   */
  mdns?: MdnsOptions & LanJoinsInit
  /**
   * Addresses of members known from an earlier run (the CLI keeps them in the data dir): joined
   * through with `bootstrap`; a first member (the leader) dials them in the background instead,
   * for `redial.knownPeersMs`.
   */
  knownPeers?: string[]
  /**
   * The realm leader and the bootstrap peers are dialled again, with backoff capped at `maxMs`
   * and full jitter, whenever this node holds no admitted connection to them (not only when it
   * lost every member);
   * a peer that refused us waits `refusedMs`. @default { maxMs: 30000, refusedMs: 300000, knownPeersMs: 600000 }
   */
  redial?: RedialInit
  /**
   * start joining the realm (token request, then join through `bootstrap`) in `start()`. With
   * `false`, `start()` only listens and the join begins at `joinRealm()`. @default true
   */
  joinOnStart?: boolean
  /** decides on every identity that asks to join. @default allow */
  authenticate?: JoinCallback
  /** @default allow */
  authorize?: JoinCallback
  handshake?: HandshakeInit
  join?: Omit<JoinInit, 'authenticate' | 'authorize'>
  /** most members kept (least recently seen evicted first). @default 1024 */
  maxMembers?: number
  /** how many of the members closest to a newly joined peer get an UPDATE about it. @default 6 */
  updateFanout?: number
  /**
   * how long a member whose last connection closed stays a member before it is dropped with
   * reason 'disconnect' (a new admitted connection in that time keeps it). @default 10000
   */
  disconnectGraceMs?: number
  /**
   * most joins with peers learnt from UPDATE/PIGGY/NLIST in flight at once; records heard while
   * all are taken wait (at most 256, for 5 min) for the next to end. While the event loop lags
   * there are fewer (2 past 250 ms of delay, 1 past 1 s): more would only time out. @default 8
   */
  maxPendingJoins?: number
  /**
   * members kept per bucket outside the neighbourhood (the k closest are always members) by the
   * join decision (membership/join-decision.ts). @default ceil(dht.kBucketSize / 2)
   */
  bucketSize?: number
  /**
   * an incidental member (a peer this node dialled for a lookup's query or a message, not chosen
   * by growth) is let go once no stream but keepalives went either way for this long, none is
   * open, it is outside the neighbourhood and its bucket is full without it, ms. @default 120000
   */
  incidentalIdleMs?: number
  connections?: ConnectionLimits
  dht?: DhtOptions
  /** neighbourhood refresh: NLIST rounds towards the true k closest (interval, members asked) */
  neighbourhood?: NeighbourhoodInit
  /** liveness: keepalive interval, timeout, missed keepalives before 'timeout', piggy records */
  keepalive?: KeepaliveInit
  /**
   * how often the node checks the addresses it announces (an interface address under a 0.0.0.0
   * listener came or went): a change re-signs its record and sends it to its members (0: only
   * when libp2p's listeners change). @default 5000
   */
  addressCheckMs?: number
  /**
   * NAT traversal (nat/options.ts): a relay slot on a member when this node is behind a NAT
   * (relay.use), relaying for members (relay.serve), hole punching (DCUtR) and AutoNAT, and
   * identify on every admitted connection, which they need. Without it a node still dials and
   * takes relayed connections (the circuit relay transport), but neither relays nor reserves.
   * Bad values: NatConfigError (NAT_CONFIG_INVALID). @default none
   */
  nat?: NatInit
  /** abuse control: scores, ban threshold and duration, ban storage, rate limits */
  guard?: GuardInit
  /** subjects: replicas (R), coordinator bounds, lookup timeout */
  subjects?: SubjectsInit
  /** subject messages: ack timeout, stream reopening backoff, registration timeout */
  messaging?: MessagingInit
  /** retry policy for bootstrap dials and token requests */
  backoff?: BackoffInit
  /**
   * most verified tokens cached. Left out (and `now` too), the node uses the one cache of 10,000
   * that every such node of the process shares (its hit and miss counts are the process's).
   * @default 10000
   */
  tokenCacheSize?: number
  /** clock skew tolerated on token exp/nbf, in seconds. @default 30 */
  tokenSkewSeconds?: number
  /**
   * Where the realm's revocations (signed by its leader, spread among members) are kept across
   * restarts. @default in memory only
   */
  revocationStore?: RevocationStore
  /**
   * Where the realm's epochs (the current one and the one before, signed by its leader, spread
   * among members) are kept across restarts. @default in memory only
   */
  epochStore?: EpochStore
  /**
   * Where the node keeps what must outlive the process and is written often: libp2p's peer store
   * (under /libp2p), durable subscriptions and publications waiting for acks. The CLI daemon
   * gives it a LevelDB store in its data dir (openStore). @default in memory only
   */
  store?: Datastore
  /**
   * durable subscriptions (kept in `store` under /durable): the bounds and policy of those that
   * give none, how many a node holds, how many message ids each remembers
   */
  durable?: DurableInit
  /**
   * as a subject's coordinator, the bounds of the relay store (kept in `store` under /relay) that
   * holds senders' messages for sleeping receivers: per receiver, per depositor and in all
   */
  relay?: RelayLimits
  /**
   * Sleep on a wake schedule (seed 000): awake `awakeMs` of every `periodMs` (anchored at
   * `anchorMs`, default when the node is created), declared in this node's signed record. Asleep,
   * the node closes every connection, dials nobody and takes no connection; members keep it and
   * hold its messages until it wakes, redials and announces itself (NODE-AVAIL). It stays awake
   * past a window while its messages move (at most `maxExtraAwakeMs`). Out of bounds (awake and
   * asleep at least 2 s of a period of at most an hour): `SleepScheduleError`
   * (`SLEEP_SCHEDULE_INVALID`) from createRealmNode. @default always awake
   */
  sleep?: SleepInit
  /** how this node treats its sleepy members: wake windows one may miss in a row before it is dropped. @default { maxMissedWindows: 2 } */
  sleepyMembers?: SleepWatchInit
  /**
   * tunnels (node.tunnels): most services exposed, most tunnels in and out (per peer, in all),
   * the idle timeout, the service connect timeout, most local forwards
   */
  tunnels?: TunnelsInit
  /**
   * forwarding (forward/forwarding.ts): when a direct dial to a member fails, a member that reaches
   * both carries an end-to-end encrypted connection (`use`); this node forwards for members
   * (`serve`) within its bounds: streams in all and per member, bytes per stream, an idle timeout.
   * Bad values: ForwardError (FORWARD_CONFIG_INVALID). @default use and serve, 32 streams, 4 per member
   */
  forwarding?: ForwardingInit
  /**
   * peers (by id, and dial addresses) this node never dials directly: an operator's filter, and
   * how a test makes two members unable to reach each other (`peer` is '' for an address without
   * /p2p/). A member behind it can still be reached through a forwarder. @default none
   */
  denyDial?: (peer: string, addr?: Multiaddr) => boolean
  /**
   * libp2p's metrics (`prometheusMetrics()` from @libp2p/prometheus-metrics, or any implementation
   * of libp2p's Metrics interface): libp2p's own instruments, and realmesh's (`realmesh_*`: members,
   * routing table buckets, joins and refusals, bans, handshake and join latency, subjects,
   * messages, stores, token cache) registered on it. See README, Metrics. @default none (no cost)
   */
  metrics?: Libp2pOptions['metrics']
  /** the clock, ms since the epoch. @default Date.now */
  now?: () => number
}
