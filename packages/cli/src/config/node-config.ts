/**
 * The node daemon's config file (configs/node.yaml): every option `realmesh node start` takes
 * besides the data dir, the realm and the token. Flags override it; it overrides the defaults.
 */
import { boolean, childPath, fail, integer, list, multiaddrString, object, oneOf, positiveInteger, string } from './schema.js'
import { isLoopbackHost, parseHostPort } from '../api/address.js'
import { sleepSchedule } from './sleep-schedule.js'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Check } from './schema.js'
import type { SleepSchedule } from './sleep-schedule.js'
import { DAEMON_DEFAULTS, checkDaemonConfig } from './daemon-settings.js'
import type { DaemonConfig } from './daemon-settings.js'

/** the defaults, as configs/node.yaml spells them out */
export const NODE_DEFAULTS = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [] as string[],
  api: '127.0.0.1:0',
  connections: { maxConnections: 300, inboundConnectionThreshold: 5, maxIncomingPendingConnections: 10, handshakeDeadlineMs: 5_000, maxUnadmittedPerAddress: 16, maxUnadmitted: 64 },
  dht: { kBucketSize: 20, allowPrivateAddresses: true, prefixLength: 16 },
  handshake: { timeoutMs: 30_000, windowMs: 30_000 },
  join: { timeoutMs: 30_000 },
  keepalive: { intervalMs: 30_000, timeoutMs: 10_000, maxMissed: 3, tcpIdleMs: 30_000 },
  abuse: { banThreshold: -100, banDurationMs: 3_600_000 },
  redial: { enabled: true, maxMs: 30_000, refusedMs: 300_000, knownPeersMs: 600_000 },
  messaging: { drainMs: 5_000, outbox: { maxMessages: 10_000, maxBytes: 67_108_864 } },
  subjects: { deferToLeader: false, leaderDecisions: { maxSize: 1_024, maxTtlMs: 60_000 } },
  accounting: { enabled: true, maxBytes: 16_777_216, files: 4 },
  tokenSkewSeconds: 30,
  discovery: { mdns: false, mdnsIntervalMs: 10_000 },
  durable: { maxMessages: 10_000, maxBytes: 67_108_864, maxAgeMs: 604_800_000, order: 'fifo' as const, whenFull: 'purge' as const, maxSubscriptions: 64 },
  relay: { maxReceiverMessages: 1_000, maxReceiverBytes: 16_777_216, maxDepositorMessages: 1_000, maxDepositorBytes: 16_777_216, maxMessages: 10_000, maxBytes: 134_217_728 },
  nat: { enabled: true, relay: { use: 'auto' as const, serve: 'auto' as const, maxReservations: 32, reservationTtlMs: 1_800_000, maxCircuitsPerPeer: 16 }, holePunch: true, autonat: true },
  tunnels: { maxServices: 32, maxTunnels: 64, maxTunnelsPerPeer: 16, idleTimeoutMs: 300_000, connectTimeoutMs: 5_000, maxForwards: 16 },
  forwarding: { use: true, serve: true, maxCircuits: 32, maxCircuitsPerPeer: 4, maxBytesPerCircuit: 1_073_741_824, idleTimeoutMs: 120_000, maxForwarded: 32, forwardersPerDial: 3, directRetryMs: 60_000 },
  services: [] as ServiceConfig[],
  ...DAEMON_DEFAULTS
}

/** a service exposed at start (`realmesh expose` for one while the daemon runs) */
export interface ServiceConfig {
  name: string
  /** HOST:PORT */
  target: string
  /** ATTR=VALUE token attributes that admit a member */
  allow?: string[]
  /** peer or identity ids that are admitted */
  allowPeers?: string[]
}

const MAX_ADDRESSES = 32
const apiAddress: Check<string> = (value, path) => {
  const address = typeof value === 'string' ? parseHostPort(value) : undefined
  if (address == null || !isLoopbackHost(address.host)) fail(path, 'HOST:PORT on a loopback address (e.g. 127.0.0.1:0)', value)
  return value as string
}
const serviceTarget: Check<string> = (value, path) => {
  const address = typeof value === 'string' ? parseHostPort(value) : undefined
  if (address == null || address.port === 0) fail(path, 'the service\'s HOST:PORT (e.g. 127.0.0.1:8080)', value)
  return value as string
}
const peerIdString: Check<string> = (value, path) => {
  try {
    return peerIdFromString(value as string).toString()
  } catch {
    return fail(path, 'a peer or identity id (12D3KooW...)', value)
  }
}
const serviceFields = object({
  name: string({ min: 1, max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, expected: 'a service name: 1 to 64 of [A-Za-z0-9._-], beginning with a letter or digit' }),
  target: serviceTarget,
  allow: list(string({ max: 512, pattern: /^[^=]+=/, expected: 'ATTR=VALUE (a token attribute)' }), { max: 64 }),
  allowPeers: list(peerIdString, { max: 64 })
})
/** services exposed at start: each with a name and a target, no name twice */
const serviceList: Check<ServiceConfig[]> = (value, path) => {
  const services = list(serviceFields, { max: 100 })(value, path)
  const names = new Set<string>()
  return services.map((service, i) => {
    for (const key of ['name', 'target'] as const) if (service[key] == null) fail(childPath(childPath(path, i), key), key === 'name' ? 'a service name' : 'the service\'s HOST:PORT', undefined)
    if (names.has(service.name as string)) fail(childPath(childPath(path, i), 'name'), 'a name no other service has', service.name)
    names.add(service.name as string)
    return service as ServiceConfig
  })
}
const timeoutMs = integer(100, 600_000, 'a number of milliseconds from 100 to 600000')

export interface NodeConfig extends DaemonConfig {
  listen?: string[]
  bootstrap?: string[]
  api?: string
  joinSecret?: string
  connections?: { maxConnections?: number, inboundConnectionThreshold?: number, maxIncomingPendingConnections?: number, handshakeDeadlineMs?: number, maxUnadmittedPerAddress?: number, maxUnadmitted?: number }
  dht?: { kBucketSize?: number, allowPrivateAddresses?: boolean, prefixLength?: number }
  handshake?: { timeoutMs?: number, windowMs?: number }
  join?: { timeoutMs?: number }
  keepalive?: { intervalMs?: number, farIntervalMs?: number, timeoutMs?: number, maxMissed?: number, tcpIdleMs?: number }
  abuse?: { banThreshold?: number, banDurationMs?: number }
  redial?: { enabled?: boolean, maxMs?: number, refusedMs?: number, knownPeersMs?: number }
  messaging?: { drainMs?: number, outbox?: { maxMessages?: number, maxBytes?: number } }
  /** put every counterpart on the daemon's subjects to the realm leader's subject policy too */
  subjects?: { deferToLeader?: boolean, leaderDecisions?: { maxSize?: number, maxTtlMs?: number } }
  /** DIR/accounting.log: one line per exchange, rotated at maxBytes, `files` kept */
  accounting?: { enabled?: boolean, maxBytes?: number, files?: number }
  tokenSkewSeconds?: number
  /** find members on the local network by mDNS, and announce this node there (off by default) */
  discovery?: { mdns?: boolean, mdnsIntervalMs?: number }
  /** the bounds and policy of every durable subscription, and how many the daemon holds */
  durable?: { maxMessages?: number, maxBytes?: number, maxAgeMs?: number, order?: 'fifo' | 'lifo', whenFull?: 'reject' | 'purge', maxSubscriptions?: number }
  /** as a subject's coordinator, the bounds of the relay store for sleeping receivers (DIR/store, /relay) */
  relay?: { maxReceiverMessages?: number, maxReceiverBytes?: number, maxDepositorMessages?: number, maxDepositorBytes?: number, maxMessages?: number, maxBytes?: number }
  /** tunnels: most services, tunnels (in all, per peer), the idle and connect timeouts, most forwards */
  tunnels?: { maxServices?: number, maxTunnels?: number, maxTunnelsPerPeer?: number, idleTimeoutMs?: number, connectTimeoutMs?: number, maxForwards?: number }
  /** forwarding: reach members through a member when no dial reaches them (use), forward for members (serve), and the forwarder's bounds */
  forwarding?: { use?: boolean, serve?: boolean, maxCircuits?: number, maxCircuitsPerPeer?: number, maxBytesPerCircuit?: number, idleTimeoutMs?: number, maxForwarded?: number, forwardersPerDial?: number, directRetryMs?: number }
  /** services exposed at start */
  services?: ServiceConfig[]
  /** sleep on a wake schedule (no default: always awake) */
  sleep?: { schedule?: SleepSchedule, wakeOnData?: boolean }
  /** NAT traversal (RealmNodeInit.nat); `enabled: false` turns all of it off */
  nat?: NatConfig
}

export interface NatConfig {
  enabled?: boolean
  relay?: { use?: 'auto' | 'always' | 'never', serve?: 'auto' | 'always' | 'never', maxReservations?: number, reservationTtlMs?: number, maxCircuitsPerPeer?: number }
  holePunch?: boolean
  autonat?: boolean
}

/** RealmNodeInit.nat for a config's `nat:` (on unless `enabled: false`) */
export function natInit (config: NatConfig | undefined): Omit<NatConfig, 'enabled'> | undefined {
  if (config?.enabled === false) return undefined
  const { enabled: _enabled, ...nat } = config ?? {}
  return nat
}

export const checkNodeConfig: Check<NodeConfig> = object({
  listen: list(multiaddrString(), { max: MAX_ADDRESSES }),
  bootstrap: list(multiaddrString({ peer: true }), { max: MAX_ADDRESSES }),
  api: apiAddress,
  joinSecret: string({ min: 1, max: 1024, expected: 'a non-empty string (the realm\'s join secret)' }),
  connections: object({
    maxConnections: positiveInteger(),
    inboundConnectionThreshold: positiveInteger(),
    maxIncomingPendingConnections: positiveInteger(),
    handshakeDeadlineMs: timeoutMs,
    maxUnadmittedPerAddress: positiveInteger(),
    maxUnadmitted: positiveInteger()
  }),
  dht: object({
    kBucketSize: positiveInteger(1000),
    allowPrivateAddresses: boolean,
    prefixLength: integer(1, 32, 'a whole number from 1 to 32')
  }),
  handshake: object({ timeoutMs, windowMs: timeoutMs }),
  join: object({ timeoutMs }),
  keepalive: object({ intervalMs: timeoutMs, farIntervalMs: timeoutMs, timeoutMs, maxMissed: integer(1, 100, 'a whole number from 1 to 100'), tcpIdleMs: integer(0, 7_200_000, 'a number of milliseconds from 0 (the system\'s) to 7200000') }),
  abuse: object({
    banThreshold: integer(-1_000_000, -1, 'a negative whole number (a score at or below it bans the peer)'),
    banDurationMs: integer(1_000, 365 * 86_400_000, 'a number of milliseconds from 1000 to one year')
  }),
  redial: object({
    enabled: boolean,
    maxMs: integer(1_000, 3_600_000, 'a number of milliseconds from 1000 to 3600000'),
    refusedMs: integer(1_000, 86_400_000, 'a number of milliseconds from 1000 to one day'),
    knownPeersMs: integer(0, 86_400_000, 'a number of milliseconds up to one day')
  }),
  messaging: object({
    drainMs: integer(0, 600_000, 'a number of milliseconds up to 600000'),
    outbox: object({
      maxMessages: integer(1, 10_000_000, 'a whole number from 1 to 10000000'),
      maxBytes: integer(1, 64 * 1024 ** 3, 'a number of bytes from 1 to 64 GiB')
    })
  }),
  subjects: object({
    deferToLeader: boolean,
    leaderDecisions: object({
      maxSize: integer(1, 1_000_000, 'a whole number from 1 to 1000000'),
      maxTtlMs: integer(0, 3_600_000, 'a number of milliseconds up to 3600000')
    })
  }),
  accounting: object({
    enabled: boolean,
    maxBytes: integer(1_024, 64 * 1024 ** 3, 'a number of bytes from 1024 to 64 GiB'),
    files: integer(1, 1_000, 'a whole number of files from 1 to 1000')
  }),
  tokenSkewSeconds: integer(0, 3_600, 'a number of seconds from 0 to 3600'),
  discovery: object({
    mdns: boolean,
    mdnsIntervalMs: integer(1_000, 3_600_000, 'a number of milliseconds from 1000 to 3600000')
  }),
  durable: object({
    maxMessages: integer(1, 10_000_000, 'a whole number of messages from 1 to 10000000'),
    maxBytes: integer(1, Number.MAX_SAFE_INTEGER, 'a positive whole number of bytes'),
    maxAgeMs: integer(1_000, 10 * 365 * 86_400_000, 'a number of milliseconds from 1000 to ten years'),
    order: oneOf(['fifo', 'lifo'] as const),
    whenFull: oneOf(['reject', 'purge'] as const),
    maxSubscriptions: integer(1, 10_000, 'a whole number from 1 to 10000')
  }),
  relay: object({
    maxReceiverMessages: integer(1, 10_000_000, 'a whole number from 1 to 10000000'),
    maxReceiverBytes: integer(1, 64 * 1024 ** 3, 'a number of bytes from 1 to 64 GiB'),
    maxDepositorMessages: integer(1, 10_000_000, 'a whole number from 1 to 10000000'),
    maxDepositorBytes: integer(1, 64 * 1024 ** 3, 'a number of bytes from 1 to 64 GiB'),
    maxMessages: integer(1, 10_000_000, 'a whole number from 1 to 10000000'),
    maxBytes: integer(1, 64 * 1024 ** 3, 'a number of bytes from 1 to 64 GiB')
  }),
  sleep: object({ schedule: sleepSchedule, wakeOnData: boolean }),
  nat: object({
    enabled: boolean,
    relay: object({
      use: oneOf(['auto', 'always', 'never'] as const),
      serve: oneOf(['auto', 'always', 'never'] as const),
      maxReservations: integer(0, 10_000, 'a whole number from 0 to 10000'),
      reservationTtlMs: integer(60_000, 86_400_000, 'a number of milliseconds from 60000 to one day'),
      maxCircuitsPerPeer: integer(1, 1_024, 'a whole number from 1 to 1024')
    }),
    holePunch: boolean,
    autonat: boolean
  }),
  tunnels: object({
    maxServices: integer(1, 100, 'a whole number from 1 to 100'),
    maxTunnels: integer(1, 100_000, 'a whole number from 1 to 100000'),
    maxTunnelsPerPeer: integer(1, 100_000, 'a whole number from 1 to 100000'),
    idleTimeoutMs: integer(1_000, 7 * 86_400_000, 'a number of milliseconds from 1000 to 7 days'),
    connectTimeoutMs: integer(100, 600_000, 'a number of milliseconds from 100 to 600000'),
    maxForwards: integer(1, 1_000, 'a whole number from 1 to 1000')
  }),
  forwarding: object({
    use: boolean,
    serve: boolean,
    maxCircuits: integer(1, 10_000, 'a whole number from 1 to 10000'),
    maxCircuitsPerPeer: integer(1, 1_024, 'a whole number from 1 to 1024'),
    maxBytesPerCircuit: integer(1_024, Number.MAX_SAFE_INTEGER, 'a number of bytes from 1024'),
    idleTimeoutMs: integer(100, 86_400_000, 'a number of milliseconds from 100 to one day'),
    maxForwarded: integer(0, 10_000, 'a whole number from 0 to 10000'),
    forwardersPerDial: integer(0, 16, 'a whole number from 0 to 16'),
    directRetryMs: integer(1_000, 86_400_000, 'a number of milliseconds from 1000 to one day')
  }),
  services: serviceList,
  ...checkDaemonConfig
})

/** RealmNodeInit.mdns from the config's `discovery` (and `--mdns`, which turns it on): undefined when off */
export function mdnsOf (discovery: NodeConfig['discovery'], flag?: boolean): { intervalMs?: number } | undefined {
  return (flag ?? discovery?.mdns) === true ? { intervalMs: discovery?.mdnsIntervalMs } : undefined
}

/** Validates parsed config data (a YAML document's value). */
export function validateNodeConfig (value: unknown): NodeConfig {
  return checkNodeConfig(value, '')
}
