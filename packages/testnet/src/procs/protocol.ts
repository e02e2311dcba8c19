/**
 * What the parent of a multi-process testnet and its workers say to each other over the IPC
 * channel of `child_process.fork` (JSON). The parent asks (a `Request` with an id), the worker
 * answers once (`Reply` with the same id); unasked, the worker sends a `Report` every
 * `reportMs` (its routing tables' last change and its event loop's longest stall since the last
 * one), from which the parent decides whether the realm is settled.
 */
import type { RealmNodeInit } from '@realmesh/node'
import type { CoordinatorLookup } from './lookup.js'

/** one node as the parent gives it to a worker: everything needed to (re)start it */
export interface NodeSpec {
  /** the node's index in the testnet (0-based; the leader is -1) */
  index: number
  /** its private key, protobuf (libp2p's privateKeyToProtobuf), base64 */
  key: string
  /** its node token, issued by the parent with the leader key */
  token: string
  /** a LevelDB store dir (openStore) the node keeps across restarts; without it, nothing is on disk */
  store?: string
  /** durable subscriptions to attach a consumer to as the node starts (each read back from the store from its start) */
  durable?: DurableSpec[]
}

/** a durable subscription of a node: its consumer records the sequence numbers of what it holds */
export interface DurableSpec {
  subject: string
  name: string
}

/** the node options a testnet may set for every node (timers, limits: what crosses a process as JSON) */
export type NodeOptions = Partial<Pick<RealmNodeInit, 'disconnectGraceMs' | 'keepalive' | 'redial' | 'maxMembers'>>

export interface WorkerInit {
  /** the realm descriptor (JSON) */
  realm: unknown
  /** where nodes bootstrap from (the leader's addresses; empty for the leader) */
  bootstrap: string[]
  /** the leader to run here (the leader's worker only) */
  leader?: NodeSpec & { joinSecret: string }
  /** the nodes to start here */
  nodes: NodeSpec[]
  /** extra node options (JSON), merged over the worker's for every node and the leader */
  nodeOptions: NodeOptions
  /** nodes started at once. @default 8 */
  concurrency: number
  /** how often the worker reports (ms) */
  reportMs: number
  /** plain libp2p + kad-dht nodes instead of realm nodes (the reference side: ../plain.ts) */
  plain?: boolean
}

export type Request =
  | { op: 'start', init: WorkerInit }
  | { op: 'startNode', node: NodeSpec }
  | { op: 'stopNode', index: number, abrupt: boolean }
  | { op: 'lookup', index: number, subject: string, timeoutMs: number }
  | { op: 'health', members: string[], k: number }
  | { op: 'usage', gc: boolean }
  | { op: 'profile', windowMs: number, top: number }
  | { op: 'subscribe', index: number, subject: string }
  | { op: 'publish', index: number, subject: string, seq: number, timeoutMs: number, ttlMs?: number }
  | { op: 'durableSubscribe', index: number, durable: DurableSpec }
  | { op: 'durableRead', index: number, name: string, timeoutMs: number, registered: boolean }
  | { op: 'received', index: number, subject: string }
  | { op: 'coordinators', index: number, subject: string }

export type RequestOp = Request['op']

/** a node's routing table and membership as its worker sees it */
export interface NodeHealth {
  index: number
  peerId: string
  joined: boolean
  routingTable: number
  members: number
  /** share of its true k closest live members (from the member list given) held in its routing table */
  kClosestShare: number
  /** routing-table entries that are not live members (killed or stopped nodes still held) */
  stale: number
}

export interface LookupAnswer {
  /** the coordinator found, undefined when none */
  closest: string | undefined
  /** FIND_NODE round trips in sequence before it was known (0: in the node's own table or itself) */
  hops: number | undefined
  queries: number
  errors: number
  /** the walk's peers closest to the key and what became of them (CoordinatorLookup's trace) */
  trace: Array<{ peer: string, status: string }>
  /** the query that took longest (CoordinatorLookup's slowestQuery) */
  slowestQuery?: CoordinatorLookup['slowestQuery']
  ms: number
}

/** garbage-collection pauses of the main thread, ms: minor (scavenges), major (mark-compact), incremental marking steps, weak callbacks */
export interface GcTimes { minor: number, major: number, incremental: number, weak: number }

export interface Usage {
  /** nodes running in the worker now (the leader counts) */
  nodes: number
  heapUsed: number
  rss: number
  /** process.cpuUsage() user + system, microseconds since the worker started */
  cpuMicros: number
  /** the main thread's garbage-collection pauses since the worker started (perf_hooks 'gc' entries), ms, by kind */
  gcMs: GcTimes
  /** the worker's clock (Date.now) when measured */
  at: number
}

export interface PublishAnswer {
  /** 'delivered', 'expired', ... (the first receiver's status), or 'no-receiver' (with the publication's code, e.g. MESSAGE_EXPIRED: it waited in the cache for a receiver until its TTL ended) */
  status: string
  code?: string
}

/**
 * What a durable subscription holds, as its consumer in this run of the node was handed it: the
 * consumer attaches `fromStart` at each start, so after a restart `seqs` is read back from the
 * store (what earlier runs kept), then grows with each message stored in this run.
 */
export interface DurableRead {
  /** the sequence numbers (message data) of every message the subscription holds, in the order the consumer got them */
  seqs: number[]
  /** messages stored in this run: [seq, when stored (Date.now)], in the order they were stored */
  arrivals: Array<[number, number]>
  /** when this run of the node started (Date.now, before createRealmNode) */
  startedAt: number
  /** when its interest was registered again in this run (`durable:registered`; undefined in the run that created it, or not yet) */
  registeredAt?: number
  /** the subscription's status now (stored, pending, dropped, duplicates, registered) */
  stored: number
  dropped: { purged: number, expired: number, rejected: number }
  duplicates: number
  registered: boolean
}

export interface Report {
  type: 'report'
  /** Date.now() of the last routing-table change of any node here (0: none yet) */
  lastChangeAt: number
  /** routing-table changes here since the worker started */
  changes: number
  /** the longest the event loop went without running the report ticker since the last report (ms) */
  maxGapMs: number
  /** nodes here that joined, and that run */
  joined: number
  running: number
  /** smallest routing table here (of running nodes) */
  minTable: number
  /** sum of the routing table sizes here */
  sumTable: number
}

export interface Reply {
  type: 'reply'
  id: number
  ok: boolean
  /** the answer (ok) */
  value?: unknown
  /** the error's message and code (not ok) */
  error?: string
  code?: string
}

export type WorkerMessage = Report | Reply | { type: 'ready', pid: number }
