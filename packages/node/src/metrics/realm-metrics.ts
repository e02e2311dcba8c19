/**
 * realmesh's own instruments, registered on libp2p's Metrics (RealmNodeInit.metrics): nothing is
 * counted twice, each figure comes from where the node already keeps it: its events (joins,
 * refusals, departures, bans, matches), its counters (message stats, the token cache's), and its
 * state, read only when scraped (members, routing table buckets, subjects, stores). What no event
 * or counter said before (handshake, join and publish latency) is timed by the hooks below.
 *
 * Labels are bounded: refusal and drop codes through codeLabel (codes.ts), leave reasons, roles,
 * results and bucket numbers are fixed sets. No peer id, subject or address is ever a label.
 */
import { fingerprint } from '@realmesh/token'
import { commonPrefixLength } from '../membership/join-decision.js'
import { worstDelaySince } from '../util/loop-lag.js'
import { codeLabel } from './codes.js'
import { LATENCY_BUCKETS, counterGroupOfTotals, counterOfTotal, gauge, gaugeGroup } from './instruments.js'
import { registerReachMetrics } from './reach-metrics.js'
import type { ReachMetricsDeps } from './reach-metrics.js'
import { registerForwardMetrics } from './forward-metrics.js'
import type { Forwarding } from '../forward/forwarding.js'
import type { Counter, CounterGroup, Histogram, Metrics } from '@libp2p/interface'
import type { TokenCacheStats } from '@realmesh/token'
import type { RealmNode, RealmNodeEvents } from '../realm-node.js'
import type { SubjectStatus } from '../subjects/subjects.js'
import type { DurableStatus } from '../durable/options.js'
import type { MessageStats, PublishOptions, PublishResult } from '../messaging/options.js'

/** realmesh_event_loop_delay_max_seconds looks this far back, ms (the loop monitor keeps 120 s) */
const LOOP_DELAY_WINDOW_MS = 60_000

/** routing table buckets deeper than this are counted in it (bounds the label: 0 .. MAX_BUCKET) */
export const MAX_BUCKET = 32

export interface RealmMetricsDeps {
  node: RealmNode
  /** this node's kad id (its fingerprint) */
  selfKey: Uint8Array
  subjects: () => SubjectStatus[]
  /** subjects this node holds interests for as one of their coordinators */
  coordinated: () => number
  durable: () => DurableStatus[]
  messageStats: () => MessageStats
  relay: () => { messages: number, bytes: number }
  tokenCache: TokenCacheStats
  bannedPeers: () => number
  /** NAT traversal, tunnels, mDNS (reach-metrics.ts) */
  reach: ReachMetricsDeps
  /** forwarding (forward-metrics.ts) */
  forwarding: Forwarding
}

export class RealmMetrics {
  private readonly joins: Counter
  private readonly refused: CounterGroup
  private readonly refusedByRemote: CounterGroup
  private readonly left: CounterGroup
  private readonly bans: Counter
  private readonly matches: Counter
  private readonly handshake: Histogram
  private readonly admission: Histogram
  private readonly published: Counter
  private readonly sent: Counter
  private readonly acked: Counter
  private readonly relayed: Counter
  private readonly expired: Counter
  private readonly dropped: CounterGroup
  private readonly ackLatency: Histogram
  private readonly durableDropped: CounterGroup

  constructor (metrics: Metrics, deps: RealmMetricsDeps) {
    this.joins = metrics.registerCounter('realmesh_joins_total', { help: 'peers admitted as members (handshake and join passed, either side dialled)' })
    this.refused = metrics.registerCounterGroup('realmesh_join_refusals_total', { label: 'code', help: 'handshakes and joins this node refused, by code (OTHER: a code realmesh does not define)' })
    this.refusedByRemote = metrics.registerCounterGroup('realmesh_join_refused_by_remote_total', { label: 'code', help: 'handshakes and joins of this node that the remote refused or that failed there, by code' })
    this.left = metrics.registerCounterGroup('realmesh_members_left_total', { label: 'reason', help: 'members dropped, by reason (leave, disconnect, timeout, token-expired, evicted, banned, revoked)' })
    this.bans = metrics.registerCounter('realmesh_bans_total', { help: 'peers banned by the abuse guard (or ban())' })
    this.matches = metrics.registerCounter('realmesh_subject_matches_total', { help: 'counterparts matched with this node on its subjects' })
    this.handshake = metrics.registerHistogram('realmesh_handshake_duration_seconds', { buckets: LATENCY_BUCKETS, help: 'realm handshakes that passed, from their first frame to the verified remote' })
    this.admission = metrics.registerHistogram('realmesh_join_duration_seconds', { buckets: LATENCY_BUCKETS, help: 'admissions, from the connection opening to the join accepted (handshake included)' })
    this.published = metrics.registerCounter('realmesh_messages_published_total', { help: 'publish() calls' })
    this.sent = metrics.registerCounter('realmesh_messages_sent_total', { help: 'message copies sent to matched receivers (one per receiver)' })
    this.acked = metrics.registerCounter('realmesh_messages_acked_total', { help: 'message copies a receiver acked as delivered' })
    this.relayed = metrics.registerCounter('realmesh_messages_relayed_total', { help: 'message copies handed to the coordinators for a sleeping receiver' })
    this.expired = metrics.registerCounter('realmesh_messages_expired_total', { help: 'messages or copies whose TTL ended before a receiver acked them' })
    this.dropped = metrics.registerCounterGroup('realmesh_messages_dropped_total', { label: 'cause', help: 'published messages or copies not delivered, by cause: a receiver\'s refusal code, MESSAGE_PURGED (cache full), a publish() error code' })
    this.ackLatency = metrics.registerHistogram('realmesh_message_ack_duration_seconds', { buckets: LATENCY_BUCKETS, help: 'acked publications, from publish() to every receiver\'s result' })
    this.durableDropped = metrics.registerCounterGroup('realmesh_durable_dropped_total', { label: 'cause', help: 'messages durable subscriptions dropped or refused, by cause (purged, expired, rejected)' })
    this.stateGauges(metrics, deps)
    registerReachMetrics(metrics, deps.reach)
    registerForwardMetrics(metrics, deps.forwarding)
    this.listen(deps.node)
  }

  /** a handshake passed after `seconds` */
  handshakeDone (seconds: number): void {
    this.handshake.observe(seconds)
  }

  /** a connection was admitted `seconds` after it opened */
  admitted (seconds: number): void {
    this.admission.observe(seconds)
  }

  /** counts a publish() and what became of it */
  publishing (options: PublishOptions, result: Promise<PublishResult>): void {
    this.published.increment()
    const started = performance.now()
    const acked = options.ack != null && options.ack !== 'none'
    result.then((settled) => {
      if (acked && settled.results != null && settled.results.length > 0) this.ackLatency.observe((performance.now() - started) / 1000)
      this.settled(settled)
    }, (err: unknown) => {
      this.dropped.increment({ [codeLabel((err as { code?: string }).code)]: true })
    })
  }

  /** what a publication's receivers (or its cache) did with it */
  private settled (result: PublishResult): void {
    if (result.code === 'MESSAGE_EXPIRED') this.expired.increment()
    else if (result.code != null) this.dropped.increment({ [codeLabel(result.code)]: true })
    if (result.sent != null) this.sent.increment(result.sent)
    const results = result.results ?? []
    if (results.length > 0) this.sent.increment(results.length)
    for (const r of results) {
      if (r.status === 'delivered') this.acked.increment()
      else if (r.status === 'relayed') this.relayed.increment()
      else if (r.status === 'expired') this.expired.increment()
      else this.dropped.increment({ [codeLabel(r.code)]: true })
    }
  }

  private listen (node: RealmNode): void {
    this.on(node, 'peer:joined', () => { this.joins.increment() })
    this.on(node, 'peer:left', (evt) => { this.left.increment({ [evt.detail.reason]: true }) })
    this.on(node, 'join:refused', (evt) => {
      const code = { [codeLabel(evt.detail.code)]: true as const }
      if (evt.detail.byRemote) this.refusedByRemote.increment(code)
      else this.refused.increment(code)
    })
    this.on(node, 'peer:banned', () => { this.bans.increment() })
    this.on(node, 'subject:matched', () => { this.matches.increment() })
    this.on(node, 'durable:dropped', (evt) => {
      const { purged, expired, rejected } = evt.detail
      this.durableDropped.increment({ purged, expired, rejected })
    })
    // messages an earlier run left in the outbox: nobody's publish() waits for them
    this.on(node, 'outbox:settled', (evt) => { this.settled(evt.detail) })
  }

  /** a listener for the node's whole life (the metrics live as long as the node) */
  private on<K extends keyof RealmNodeEvents> (node: RealmNode, type: K, listener: (evt: RealmNodeEvents[K]) => void): void {
    node.addEventListener(type, listener)
  }

  /** what the node holds now, read at each scrape */
  private stateGauges (metrics: Metrics, deps: RealmMetricsDeps): void {
    const { node } = deps
    gauge(metrics, 'realmesh_members', 'members of the realm this node holds', () => node.members().length)
    gaugeGroup(metrics, 'realmesh_routing_table_peers', 'bucket', `peers in the routing table by bucket (bits their kad id shares with this node's; ${MAX_BUCKET} and deeper in ${MAX_BUCKET})`, () => {
      const buckets: Record<string, number> = {}
      for (const peer of node.routingPeers()) {
        const bucket = String(Math.min(MAX_BUCKET, commonPrefixLength(fingerprint(peer), deps.selfKey)))
        buckets[bucket] = (buckets[bucket] ?? 0) + 1
      }
      return buckets
    })
    gauge(metrics, 'realmesh_banned_peers', 'peers banned now', deps.bannedPeers)
    gaugeGroup(metrics, 'realmesh_subjects', 'role', 'subjects this node has an interest in, by its role (sender, receiver, both)', () => {
      const roles: Record<string, number> = { sender: 0, receiver: 0, both: 0 }
      for (const subject of deps.subjects()) roles[subject.role] = (roles[subject.role] ?? 0) + 1
      return roles
    })
    gauge(metrics, 'realmesh_subject_counterparts', 'counterparts matched with this node, over all its subjects', () => deps.subjects().reduce((n, s) => n + s.counterparts.length, 0))
    gauge(metrics, 'realmesh_coordinated_subjects', 'subjects this node holds interests for as one of their coordinators', deps.coordinated)
    const stats = deps.messageStats
    counterOfTotal(metrics, 'realmesh_messages_delivered_total', 'messages delivered to this node\'s subscriptions', () => stats().delivered)
    counterOfTotal(metrics, 'realmesh_messages_duplicate_total', 'arrivals dropped as duplicates (and acked again)', () => stats().duplicates)
    counterOfTotal(metrics, 'realmesh_messages_rejected_total', 'arrivals this node refused (too large, expired, refused by the application)', () => stats().rejected)
    counterOfTotal(metrics, 'realmesh_messages_resent_total', 'messages this node sent again on a new stream', () => stats().resent)
    counterOfTotal(metrics, 'realmesh_message_streams_total', 'message streams senders opened to this node', () => stats().streams)
    counterOfTotal(metrics, 'realmesh_message_stream_resets_total', 'senders\' message streams reset at a memory budget', () => stats().budgetResets)
    gauge(metrics, 'realmesh_message_held_bytes', 'bytes senders\' message streams hold in this node now', () => stats().heldBytes)
    gauge(metrics, 'realmesh_outbox_messages', 'acked messages waiting in the outbox for every receiver', () => stats().outboxMessages)
    gauge(metrics, 'realmesh_outbox_bytes', 'bytes of the messages in the outbox', () => stats().outboxBytes)
    gauge(metrics, 'realmesh_relay_store_messages', 'messages held as a coordinator for sleeping receivers', () => deps.relay().messages)
    gauge(metrics, 'realmesh_relay_store_bytes', 'bytes held as a coordinator for sleeping receivers', () => deps.relay().bytes)
    gauge(metrics, 'realmesh_durable_subscriptions', 'durable subscriptions held', () => deps.durable().length)
    gauge(metrics, 'realmesh_durable_stored_messages', 'messages kept by durable subscriptions', () => deps.durable().reduce((n, d) => n + d.stored, 0))
    gauge(metrics, 'realmesh_durable_pending_messages', 'messages kept by durable subscriptions and not yet consumed', () => deps.durable().reduce((n, d) => n + d.pending, 0))
    gauge(metrics, 'realmesh_durable_stored_bytes', 'bytes of message data kept by durable subscriptions', () => deps.durable().reduce((n, d) => n + d.bytes, 0))
    // the node's own loop monitor (util/loop-lag.ts, sampling every 20 ms for liveness) costs nothing more to read
    gauge(metrics, 'realmesh_event_loop_delay_max_seconds', `the worst event-loop delay in the last ${LOOP_DELAY_WINDOW_MS / 1000} s (0 while the node is stopped or asleep)`, () => (worstDelaySince(performance.now() - LOOP_DELAY_WINDOW_MS) ?? 0) / 1000)
    const cache = deps.tokenCache
    counterGroupOfTotals(metrics, 'realmesh_token_cache_lookups_total', 'result', 'verified-token cache lookups, by result (hit, miss)', () => ({ hit: cache.hits, miss: cache.misses }))
    gauge(metrics, 'realmesh_token_cache_hit_ratio', 'verified-token cache hits over lookups since start (0 before any)', () => {
      const lookups = cache.hits + cache.misses
      return lookups === 0 ? 0 : cache.hits / lookups
    })
  }
}
