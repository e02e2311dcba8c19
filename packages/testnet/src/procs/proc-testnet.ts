/**
 * A realm of N nodes spread over K worker processes (each its own event loop, every node on TCP
 * over 127.0.0.1), driven from this process:
 *
 *   const net = await createProcTestnet({ nodes: 20, processes: 2 })
 *   const settle = await net.whenSettled({ quietMs: 2000, timeoutMs: 60_000 })
 *   const lookups = await net.lookups(100)
 *   await net.killWorker(1); await net.restartWorker(1)
 *   await net.stop()
 *
 * The leader runs in a worker of its own (not one of the K), so that killing any node worker
 * leaves the realm's bootstrap address alone. This process generates every key and signs every
 * node token with the leader key, so a node restarted anywhere comes back as the same member.
 * Node i runs in node worker i mod K.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { closestTo, createRealmDescriptor, generateNodeKey, issueNodeToken, subjectKey } from '@realmesh/token'
import { TestnetError } from './errors.js'
import { WorkerProcess } from './workers.js'
import { whenQuiet } from './settle.js'
import { healthFigures, lookupFigures, usageFigures } from './figures.js'
import type { AbortOptions, PrivateKey } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'
import type { HealthFigures, LookupFigures, UsageFigures } from './figures.js'
import type { DurableRead, DurableSpec, LookupAnswer, NodeHealth, NodeOptions, NodeSpec, PublishAnswer, Request, Usage, WorkerInit } from './protocol.js'
import type { SettleState } from './settle.js'
import type { ProfileEntry } from './profile.js'

export interface ProcTestnetInit extends AbortOptions {
  /** nodes besides the leader */
  nodes: number
  /** worker processes for the nodes (the leader has one more of its own) */
  processes: number
  /** realm name. @default 'testnet' */
  name?: string
  /** nodes each worker starts at once. @default 8 */
  concurrency?: number
  /** how often workers report their routing tables (ms). @default 1000 */
  reportMs?: number
  /** the longest the workers may take to start their nodes (ms). @default 900000 */
  startTimeoutMs?: number
  /** node options for every node and the leader (shorter timers for a test), e.g. `{ disconnectGraceMs: 2000 }` */
  nodeOptions?: NodeOptions
  /** the workers' stderr, line by line, each prefixed with the worker's name */
  onStderr?: (line: string) => void
  /**
   * plain libp2p + kad-dht nodes instead of realm nodes, the reference side (../plain.ts): the same
   * keys, TCP and figures; the leader's process runs the bootstrap node; no subjects, durable
   * subscriptions or nodeOptions (TESTNET_UNSUPPORTED). @default false
   */
  plain?: boolean
}

export interface SettleResult extends SettleState {
  /** ms from the call to the last change before the quiet window (null: not settled) */
  settleMs: number | null
}

export interface ProcTestnet {
  realm: RealmDescriptor
  /** nodes besides the leader, ever created (indices 0..size-1) */
  readonly size: number
  /** the worker processes: the leader's first, then the node workers (a killed one stays listed until restarted) */
  readonly processes: Array<{ name: string, pid: number, exited: boolean }>
  /** peer ids of the members running now (the leader's first) */
  members(): string[]
  peerId(index: number): string
  /** whether node `index` runs now */
  running(index: number): boolean
  /** node `index`'s store dir (addWorker `stores`), undefined when it has none */
  storeDir(index: number): string | undefined
  whenSettled(options: AbortOptions & { quietMs?: number, timeoutMs: number, onProgress?: (state: SettleState) => void }): Promise<SettleResult>
  /** one coordinator lookup for `subject` from node `index`, with the true closest live member */
  lookup(index: number, subject: string, options?: AbortOptions & { timeoutMs?: number }): Promise<{ answer: LookupAnswer, truth: string | undefined }>
  /** `count` lookups of random subjects, one at a time, each from a random running node */
  lookups(count: number, options?: AbortOptions & { timeoutMs?: number, onProgress?: (done: number) => void }): Promise<LookupFigures>
  health(options?: AbortOptions & { k?: number }): Promise<HealthFigures & { perNode: NodeHealth[] }>
  /**
   * resolves when every table is healthy: every running node joined, no table holds a node that
   * does not run, and every table holds at least `minShare` of its true k closest live members
   * (default 1). Checked on the workers' reports, one check at a time; `healthy: false` after `timeoutMs`.
   */
  whenHealthy(options: AbortOptions & { timeoutMs: number, minShare?: number, k?: number }): Promise<{ healthy: boolean, ms: number, health: HealthFigures }>
  /** heap and RSS (after a GC in each process) and CPU over a window of `windowMs` */
  usage(windowMs: number, options?: AbortOptions): Promise<UsageFigures>
  /**
   * where each process's CPU goes over `windowMs` (V8's sampling profiler): the `top` functions by
   * self time per process, and over all processes together
   */
  profile(windowMs: number, options?: AbortOptions & { top?: number }): Promise<{ windowMs: number, total: ProfileEntry[], processes: Array<{ name: string, nodes: number, top: ProfileEntry[] }> }>
  /** SIGKILLs node worker `w` (0-based): its nodes vanish without a word */
  killWorker(w: number): Promise<void>
  /** a new process for node worker `w`, starting the nodes it ran (same keys) */
  restartWorker(w: number, options?: AbortOptions): Promise<void>
  /**
   * a new node worker with `count` new nodes; resolves with its number and their indices once they
   * started. `stores`: each of them keeps a LevelDB store (a dir of its own under a temp dir that
   * stop() removes), so that restartWorker brings it back with what it had on disk
   */
  addWorker(count: number, options?: AbortOptions & { stores?: boolean }): Promise<{ worker: number, nodes: number[] }>
  /** stops node `index` (`abrupt`: its libp2p stops without a LEAVE, like a crash) */
  stopNode(index: number, options?: AbortOptions & { abrupt?: boolean }): Promise<void>
  /** starts node `index` again with its key */
  startNode(index: number, options?: AbortOptions): Promise<void>
  subscribe(index: number, subject: string, options?: AbortOptions): Promise<void>
  /** publishes the number `seq` on `subject` from node `index` with ack from the receiver (`ttlMs`: the message's TTL, default the node's 30 s; `timeoutMs`: the longest wait for its result, default 30 s) */
  publish(index: number, subject: string, seq: number, options?: AbortOptions & { timeoutMs?: number, ttlMs?: number }): Promise<PublishAnswer>
  /** the sequence numbers node `index` received on `subject` */
  received(index: number, subject: string, options?: AbortOptions): Promise<number[]>
  /**
   * a durable subscription `name` to `subject` on node `index` (created, or found), with a consumer
   * that records what it holds; the consumer is attached again, from the subscription's start,
   * each time the node starts (restartWorker, startNode)
   */
  durableSubscribe(index: number, subject: string, name: string, options?: AbortOptions): Promise<void>
  /**
   * what durable subscription `name` of node `index` holds (read back from its store after a
   * restart), once its consumer caught up and (unless `registered: false`) its interest is registered
   */
  durableRead(index: number, name: string, options?: AbortOptions & { timeoutMs?: number, registered?: boolean }): Promise<DurableRead>
  /** the coordinators node `index` registered its interest in `subject` with */
  coordinators(index: number, subject: string, options?: AbortOptions): Promise<string[]>
  /** SIGKILLs every worker (and removes the nodes' stores) */
  stop(): Promise<void>
}

interface NodeRecord extends NodeSpec {
  peerId: string
  worker: number
  running: boolean
  /** runs whenever its worker runs (false once stopped with stopNode) */
  wanted: boolean
  /** its durable subscriptions, attached again at each start (the node bounds them: DURABLE_LIMIT) */
  durable: DurableSpec[]
}

const REQUEST_MS = 120_000

export async function createProcTestnet (init: ProcTestnetInit): Promise<ProcTestnet> {
  if (!Number.isInteger(init.nodes) || init.nodes < 1) throw new TestnetError('TESTNET_OPTION_INVALID', `nodes: expected an integer >= 1, got ${init.nodes}`)
  if (!Number.isInteger(init.processes) || init.processes < 1 || init.processes > init.nodes) throw new TestnetError('TESTNET_OPTION_INVALID', `processes: expected an integer from 1 to nodes (${init.nodes}), got ${init.processes}`)
  const reportMs = init.reportMs ?? 1000
  const startTimeoutMs = init.startTimeoutMs ?? 900_000
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: init.name ?? 'testnet', leaderKey })
  const spec = async (index: number, key: PrivateKey): Promise<NodeSpec & { peerId: string }> => {
    const peerId = peerIdFromPrivateKey(key).toString()
    return { index, peerId, key: Buffer.from(privateKeyToProtobuf(key)).toString('base64'), token: await issueNodeToken(leaderKey, { realm, subject: peerId, ttlSeconds: 86_400 }) }
  }
  const leader = await spec(-1, leaderKey)
  const records: NodeRecord[] = []
  // the nodes' stores, under one temp dir made at the first node that has one
  let storeRoot: string | undefined
  const newNode = async (worker: number, withStore = false): Promise<NodeRecord> => {
    if (withStore) storeRoot ??= await mkdtemp(join(tmpdir(), 'realmesh-testnet-'))
    const index = records.length
    const store = withStore && storeRoot != null ? join(storeRoot, `node-${index}`) : undefined
    const record: NodeRecord = { ...await spec(index, await generateNodeKey()), ...(store == null ? {} : { store }), worker, running: false, wanted: true, durable: [] }
    records.push(record)
    return record
  }
  const specOf = ({ index, key, token, store, durable }: NodeRecord): NodeSpec => ({ index, key, token, ...(store == null ? {} : { store }), durable })
  for (let i = 0; i < init.nodes; i++) await newNode(i % init.processes)

  const all: WorkerProcess[] = []
  const workers: Array<WorkerProcess | undefined> = []
  let leaderWorker: WorkerProcess | undefined
  let bootstrap: string[] = []
  const signal = (options?: AbortOptions): AbortSignal | undefined => options?.signal ?? init.signal
  /** the first worker that died without being asked to (killWorker, stop): what waits fail with */
  let crashed: TestnetError | undefined
  const spawn = async (name: string, options?: AbortOptions): Promise<WorkerProcess> => {
    const w = await WorkerProcess.spawn(name, { signal: signal(options), stderr: init.onStderr })
    all.push(w)
    w.onExit(() => {
      if (w.killed) return
      crashed ??= new TestnetError('TESTNET_WORKER_EXITED', `${w.name} (pid ${w.pid}) exited (${w.exitStatus ?? '?'}) without being asked to: its nodes are gone`)
      for (const r of records) if (workers[r.worker] === w) r.running = false
    })
    return w
  }
  const startWorker = async (w: number, options?: AbortOptions): Promise<void> => {
    const worker = await spawn(`worker ${w}`, options)
    workers[w] = worker
    const nodes = records.filter(r => r.worker === w && r.wanted)
    const start: WorkerInit = { realm, bootstrap, nodes: nodes.map(specOf), concurrency: init.concurrency ?? 8, reportMs, nodeOptions: init.nodeOptions ?? {}, plain: init.plain === true }
    await worker.request({ op: 'start', init: start }, { signal: signal(options), timeoutMs: startTimeoutMs })
    for (const r of nodes) r.running = true
  }
  const stop = async (): Promise<void> => {
    process.off('exit', killAll)
    await Promise.all(all.map(async w => w.kill()))
    if (storeRoot != null) await rm(storeRoot, { recursive: true, force: true })
  }
  // a parent that exits (or throws) takes its workers and their stores along; a SIGKILLed one closes their IPC channel
  const killAll = (): void => {
    for (const w of all) if (!w.exited) process.kill(w.pid, 'SIGKILL')
    if (storeRoot != null) rmSync(storeRoot, { recursive: true, force: true })
  }
  process.on('exit', killAll)
  try {
    leaderWorker = await spawn('leader')
    const joinSecret = randomBytes(16).toString('hex')
    const answer = await leaderWorker.request<{ leaderAddrs: string[] }>({ op: 'start', init: { realm, bootstrap: [], leader: { ...leader, joinSecret }, nodes: [], concurrency: 1, reportMs, nodeOptions: init.nodeOptions ?? {}, plain: init.plain === true } }, { signal: init.signal, timeoutMs: startTimeoutMs })
    bootstrap = answer.leaderAddrs
    await Promise.all(Array.from({ length: init.processes }, async (_, w) => startWorker(w)))
  } catch (err) {
    await stop()
    throw err
  }

  const record = (index: number): NodeRecord => {
    const r = records[index]
    if (r == null) throw new TestnetError('TESTNET_NO_SUCH_NODE', `no node ${index} (0 to ${records.length - 1})`)
    return r
  }
  const live = (): WorkerProcess[] => [leaderWorker, ...workers].filter((w): w is WorkerProcess => w != null && !w.exited)
  const ask = async <T>(index: number, request: Request, options?: AbortOptions & { timeoutMs?: number }): Promise<T> => {
    const r = record(index)
    const worker = workers[r.worker]
    if (!r.running || worker == null || worker.exited) throw new TestnetError('TESTNET_NODE_NOT_RUNNING', `node ${index} does not run`)
    return worker.request<T>(request, { signal: signal(options), timeoutMs: options?.timeoutMs ?? REQUEST_MS })
  }
  const members = (): string[] => [leader.peerId, ...records.filter(r => r.running).map(r => r.peerId)]
  const lookup = async (index: number, subject: string, options?: AbortOptions & { timeoutMs?: number }): Promise<{ answer: LookupAnswer, truth: string | undefined }> => {
    const timeoutMs = options?.timeoutMs ?? 20_000
    const answer = await ask<LookupAnswer>(index, { op: 'lookup', index, subject, timeoutMs }, { ...options, timeoutMs: timeoutMs + 10_000 })
    // the truth when the answer came: a lookup's own window is seconds, churn is not that fast
    return { answer, truth: closestTo(subjectKey(realm.id, subject), members(), 1)[0] }
  }
  const usageOf = async (gc: boolean, options?: AbortOptions): Promise<Array<{ name: string, pid: number, usage: Usage }>> =>
    Promise.all(live().map(async w => ({ name: w.name, pid: w.pid, usage: await w.request<Usage>({ op: 'usage', gc }, { signal: signal(options), timeoutMs: REQUEST_MS }) })))

  /** resolves on the next report of any worker (the workers report every reportMs), or when one exits */
  const nextReport = async (options?: AbortOptions): Promise<void> => new Promise<void>((resolve, reject) => {
    const stops = live().flatMap(w => [w.onReport(done), w.onExit(done)])
    const onAbort = (): void => { done(); reject(signal(options)?.reason) }
    function done (): void {
      for (const s of stops) s()
      signal(options)?.removeEventListener('abort', onAbort)
      resolve()
    }
    signal(options)?.addEventListener('abort', onAbort, { once: true })
  })

  const net: ProcTestnet = {
    realm,
    get size () { return records.length },
    get processes () { return [leaderWorker, ...workers].flatMap(w => w == null ? [] : [{ name: w.name, pid: w.pid, exited: w.exited }]) },
    members,
    peerId: (index) => record(index).peerId,
    running: (index) => record(index).running,
    storeDir: (index) => record(index).store,
    whenSettled: async (options) => {
      const calledAt = Date.now()
      const result = await whenQuiet({
        workers: live,
        onReport: (listener) => {
          const stops = live().map(w => w.onReport(listener))
          return () => { for (const s of stops) s() }
        },
        expected: () => members().length,
        failed: () => crashed
      }, { ...options, signal: signal(options), reportMs })
      return { ...result, settleMs: result.settled ? Math.max(0, result.lastChangeAt - calledAt) : null }
    },
    lookup,
    lookups: async (count, options) => {
      const answers: Array<{ answer?: LookupAnswer, truth: string | undefined, error?: string }> = []
      for (let i = 0; i < count; i++) {
        signal(options)?.throwIfAborted()
        const runningNodes = records.filter(r => r.running)
        const from = runningNodes[Math.floor(Math.random() * runningNodes.length)]
        if (from == null) throw new TestnetError('TESTNET_NODE_NOT_RUNNING', 'no node runs')
        const subject = `lookup-${randomBytes(8).toString('hex')}`
        try {
          answers.push(await lookup(from.index, subject, options))
        } catch (err) {
          if (signal(options)?.aborted === true) throw err
          answers.push({ truth: undefined, error: (err as Error).message })
        }
        options?.onProgress?.(i + 1)
      }
      return lookupFigures(answers)
    },
    health: async (options) => {
      const k = options?.k ?? 20
      const everyone = members()
      const perNode = (await Promise.all(live().map(async w => w.request<NodeHealth[]>({ op: 'health', members: everyone, k }, { signal: signal(options), timeoutMs: REQUEST_MS })))).flat()
      return { ...healthFigures(perNode, k), perNode }
    },
    whenHealthy: async (options) => {
      const startedAt = Date.now()
      const minShare = options.minShare ?? 1
      const healthy = (h: HealthFigures): boolean => h.joined === h.nodes && h.nodes === members().length && h.stale.entries === 0 && h.kClosest.min >= minShare
      for (;;) {
        if (crashed != null) throw crashed
        const { perNode: _perNode, ...figures } = await net.health(options)
        if (healthy(figures)) return { healthy: true, ms: Date.now() - startedAt, health: figures }
        if (Date.now() - startedAt >= options.timeoutMs) return { healthy: false, ms: Date.now() - startedAt, health: figures }
        await nextReport(options)
      }
    },
    usage: async (windowMs, options) => {
      const before = await usageOf(false, options)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, windowMs)
        signal(options)?.addEventListener('abort', () => { clearTimeout(timer); reject(signal(options)?.reason) }, { once: true })
      })
      const after = await usageOf(true, options)
      return usageFigures(after.flatMap(a => {
        const b = before.find(x => x.pid === a.pid)
        return b == null ? [] : [{ name: a.name, pid: a.pid, before: b.usage, after: a.usage }]
      }))
    },
    profile: async (windowMs, options) => {
      const top = options?.top ?? 15
      const processes = await Promise.all(live().map(async w => ({
        name: w.name,
        nodes: w.report?.running ?? 0,
        top: await w.request<ProfileEntry[]>({ op: 'profile', windowMs, top: top * 4 }, { signal: signal(options), timeoutMs: windowMs + REQUEST_MS })
      })))
      const total = new Map<string, number>()
      for (const p of processes) for (const e of p.top) total.set(e.where, (total.get(e.where) ?? 0) + e.selfMs)
      return {
        windowMs,
        total: [...total].map(([where, selfMs]) => ({ where, selfMs })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
        processes: processes.map(p => ({ ...p, top: p.top.slice(0, top) }))
      }
    },
    killWorker: async (w) => {
      const worker = workers[w]
      if (worker == null) throw new TestnetError('TESTNET_NO_SUCH_WORKER', `no node worker ${w} (0 to ${workers.length - 1})`)
      await worker.kill()
      // its nodes stay wanted: restartWorker starts them again
      for (const r of records) if (r.worker === w) r.running = false
    },
    restartWorker: async (w, options) => {
      const worker = workers[w]
      if (worker == null) throw new TestnetError('TESTNET_NO_SUCH_WORKER', `no node worker ${w} (0 to ${workers.length - 1})`)
      if (!worker.exited) throw new TestnetError('TESTNET_WORKER_RUNNING', `worker ${w} still runs (killWorker first)`)
      await startWorker(w, options)
    },
    addWorker: async (count, options) => {
      const w = workers.length
      workers.push(undefined)
      const added = []
      for (let i = 0; i < count; i++) added.push(await newNode(w, options?.stores === true))
      await startWorker(w, options)
      return { worker: w, nodes: added.map(r => r.index) }
    },
    stopNode: async (index, options) => {
      await ask(index, { op: 'stopNode', index, abrupt: options?.abrupt ?? false }, options)
      record(index).running = false
      record(index).wanted = false
    },
    startNode: async (index, options) => {
      const r = record(index)
      const worker = workers[r.worker]
      if (r.running) throw new TestnetError('TESTNET_NODE_RUNNING', `node ${index} runs already`)
      if (worker == null || worker.exited) throw new TestnetError('TESTNET_WORKER_EXITED', `worker ${r.worker} of node ${index} has exited (restartWorker)`)
      await worker.request({ op: 'startNode', node: specOf(r) }, { signal: signal(options), timeoutMs: REQUEST_MS })
      r.running = true
      r.wanted = true
    },
    subscribe: async (index, subject, options) => { await ask(index, { op: 'subscribe', index, subject }, options) },
    publish: async (index, subject, seq, options) => {
      const timeoutMs = options?.timeoutMs ?? 30_000
      return ask<PublishAnswer>(index, { op: 'publish', index, subject, seq, timeoutMs, ...(options?.ttlMs == null ? {} : { ttlMs: options.ttlMs }) }, { ...options, timeoutMs: timeoutMs + 10_000 })
    },
    durableSubscribe: async (index, subject, name, options) => {
      const durable = { subject, name }
      await ask(index, { op: 'durableSubscribe', index, durable }, options)
      const r = record(index)
      if (!r.durable.some(d => d.name === name)) r.durable.push(durable)
    },
    durableRead: async (index, name, options) => {
      const timeoutMs = options?.timeoutMs ?? 60_000
      return ask<DurableRead>(index, { op: 'durableRead', index, name, timeoutMs, registered: options?.registered ?? true }, { ...options, timeoutMs: timeoutMs + 10_000 })
    },
    received: async (index, subject, options) => ask<number[]>(index, { op: 'received', index, subject }, options),
    coordinators: async (index, subject, options) => ask<string[]>(index, { op: 'coordinators', index, subject }, options),
    stop
  }
  return net
}
