/**
 * Issue 23 item 5: churn on a realm across processes. A realm of `nodes` members, of which
 * `churnShare` sit in small churn workers; over `churnMs` those workers are SIGKILLed one by one
 * and each replaced by a new worker with as many new nodes (new keys), while `subjects` pairs of
 * members that stay (a subscriber and a publisher each) exchange acked messages. Counts what was
 * sent, delivered (acked by the receiver), refused or failed, and lost (acked but never seen by the
 * receiver's handler); how often each subject's coordinators changed (seen from the subscriber);
 * and, once churn stops and the messages end, how long until every table is healthy again.
 *
 * The second form (`churnSubscribers`): each pair's subscriber is a node of a churn worker, with a
 * LevelDB store of its own and a durable subscription. Its worker is SIGKILLed like the others but
 * comes back after `downMs` as the same nodes (keys and stores); the publishers, which stay,
 * publish with a TTL (`messageTtlMs`) long enough for a message to wait out a restart, without
 * waiting for one message's result before the next. Lost is then: acked as delivered, and not in
 * the subscriber's store when it is read back after a last SIGKILL and restart; and the figures
 * say what became of the messages published while a subscriber was down (./churn-down.ts).
 */
import { createProcTestnet } from './proc-testnet.js'
import { downFigures } from './churn-down.js'
import type { AbortOptions } from '@libp2p/interface'
import type { HealthFigures } from './figures.js'
import type { NodeOptions } from './protocol.js'
import type { Down, DownFigures, Published } from './churn-down.js'

export interface ChurnInit extends AbortOptions {
  /** members besides the leader. @default 300 */
  nodes?: number
  /** share of them killed and replaced. @default 0.3 */
  churnShare?: number
  /** nodes per churn worker (each kill takes one worker down). @default 10 */
  churnBatch?: number
  /** worker processes for the members that stay. @default 4 */
  processes?: number
  /** how long the churn lasts (ms). @default 600000 */
  churnMs?: number
  /** subject pairs among members that stay. @default 20 */
  subjects?: number
  /** ms between two messages of one pair. @default 2000 */
  messageEveryMs?: number
  /** quiet window before the churn starts (ms). @default 30000 */
  quietMs?: number
  /** longest wait for the realm to settle first (ms). @default 900000 */
  timeoutMs?: number
  /** longest wait for every table to be healthy after the churn (ms). @default 300000 */
  healTimeoutMs?: number
  nodeOptions?: NodeOptions
  /** the second form: the subscribers are among the churned, and come back as themselves with their stores. @default false */
  churnSubscribers?: boolean
  /** the second form: how long a subscriber's worker stays down before it is restarted (ms; less than churnMs / kills). @default 20000 */
  downMs?: number
  /**
   * the TTL of each published message (ms): how long it may wait for a receiver (in the second
   * form, for a subscriber that is down). Each publish waits for its result this long plus 30 s,
   * so every message is settled by realmesh (delivered, or a status and code) and not by the
   * runner giving up. @default 30000 (the node's default) in the first form, 120000 in the second
   */
  messageTtlMs?: number
  onProgress?: (line: string) => void
}

export interface ChurnFigures {
  nodes: number
  killed: number
  kills: number
  settledBefore: boolean
  /** statuses: by status; outcomes: by status and code (`expired:RECEIVER_GONE`), the runner's own failures by code */
  messages: { sent: number, delivered: number, notDelivered: number, lost: number, statuses: Record<string, number>, outcomes: Record<string, number>, errors: Record<string, string> }
  /** coordinator set changes per subject, as its subscriber registered them (its publisher, in the second form), in all */
  coordinatorHandovers: number
  /** the second form: what happened while subscribers were down, and how soon they were back */
  subscribers?: DownFigures & { downMs: number, messageTtlMs: number }
  /** after the churn stopped: healthy (no stale entry, every node joined, true k closest held) and how long it took */
  heal: { healthy: boolean, ms: number, health: HealthFigures }
}

export async function runChurn (init: ChurnInit = {}): Promise<ChurnFigures> {
  const nodes = init.nodes ?? 300
  const batch = init.churnBatch ?? 10
  const kills = Math.max(1, Math.round(nodes * (init.churnShare ?? 0.3) / batch))
  const stable = nodes - kills * batch
  const subjects = init.subjects ?? 20
  const churnMs = init.churnMs ?? 600_000
  const everyMs = init.messageEveryMs ?? 2_000
  const timeoutMs = init.timeoutMs ?? 900_000
  const churned = init.churnSubscribers === true
  const downMs = init.downMs ?? 20_000
  const ttlMs = init.messageTtlMs ?? (churned ? 120_000 : 30_000)
  const say = init.onProgress ?? (() => {})
  const signal = init.signal
  if (!churned && stable < 2 * subjects) throw new RangeError(`${stable} members that stay cannot hold ${subjects} subject pairs`)
  if (churned && (stable < subjects || kills * batch < subjects)) throw new RangeError(`${stable} members that stay and ${kills * batch} churned cannot hold ${subjects} publishers and subscribers`)

  const net = await createProcTestnet({ nodes: stable, processes: init.processes ?? 4, nodeOptions: init.nodeOptions, signal })
  try {
    // the churn workers of the first round, each `batch` new nodes (with stores, in the second form)
    let churnWorkers: Array<{ worker: number, nodes: number[] }> = []
    for (let i = 0; i < kills; i++) churnWorkers.push(await net.addWorker(batch, { signal, stores: churned }))
    say(`${stable} members that stay and ${kills * batch} to churn started; waiting for the realm to settle`)
    const settle = await net.whenSettled({ quietMs: init.quietMs ?? 30_000, timeoutMs, signal })
    say(`settled: ${settle.settled}; subscribing ${subjects} subjects`)

    // first form: both ends among the members that stay; second: subscriber s is node s / kills of churn worker s % kills
    const pairs = Array.from({ length: subjects }, (_, s) => churned
      ? { subject: `churn-${s}`, name: `churn-${s}`, subscriber: churnWorkers[s % kills]?.nodes[Math.floor(s / kills)] ?? -1, publisher: s }
      : { subject: `churn-${s}`, name: `churn-${s}`, subscriber: 2 * s, publisher: 2 * s + 1 })
    for (const p of pairs) {
      if (churned) await net.durableSubscribe(p.subscriber, p.subject, p.name, { signal })
      else await net.subscribe(p.subscriber, p.subject, { signal })
    }
    const acked = pairs.map(() => new Set<number>())
    const published: Published[][] = pairs.map(() => [])
    const outcomes: Record<string, number> = {}
    // the first message of each of the runner's own failures (a request that failed, not a status)
    const errors: Record<string, string> = {}
    let sent = 0
    let handovers = 0
    const lastCoordinators = pairs.map(() => '')
    const checkCoordinators = async (): Promise<void> => {
      for (const [i, p] of pairs.entries()) {
        // the second form's subscribers may be down: their publishers register with the same coordinators
        const now = (await net.coordinators(churned ? p.publisher : p.subscriber, p.subject, { signal })).slice().sort().join(',')
        if (lastCoordinators[i] !== '' && now !== lastCoordinators[i]) handovers++
        lastCoordinators[i] = now
      }
    }
    await checkCoordinators()

    // messages: each pair in its own loop, one acked message every `everyMs`, until told to stop.
    // The first form waits for each result before the next; the second lets messages wait for a
    // subscriber that is down (up to their TTL) while the next ones go out
    const inFlight = churned ? Math.ceil(ttlMs / everyMs) + 2 : 1
    const publishOne = async (i: number, seq: number, record: Published): Promise<void> => {
      const p = pairs[i]
      if (p == null) return
      try {
        const answer = await net.publish(p.publisher, p.subject, seq, { signal, ttlMs, timeoutMs: ttlMs + 30_000 })
        record.outcome = answer.code == null ? answer.status : `${answer.status}:${answer.code}`
        outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1
        if (answer.status === 'delivered') acked[i]?.add(seq)
      } catch (err) {
        if (signal?.aborted === true) throw err
        const code = (err as { code?: string }).code ?? 'error'
        outcomes[code] = (outcomes[code] ?? 0) + 1
        errors[code] ??= (err as Error).message
        record.outcome = code
      }
    }
    let sending = true
    const senders = pairs.map(async (_, i) => {
      const pending = new Set<Promise<void>>()
      for (let seq = 1; sending; seq++) {
        const started = Date.now()
        sent++
        const record: Published = { seq, at: started }
        if (churned) published[i]?.push(record)
        const one: Promise<void> = publishOne(i, seq, record).finally(() => { pending.delete(one) })
        pending.add(one)
        if (pending.size >= inFlight) await Promise.race(pending)
        await pause(Math.max(0, everyMs - (Date.now() - started)), signal)
      }
      await Promise.all(pending)
    })

    // churn: a churn worker SIGKILLed every churnMs / kills, and replaced by new nodes (first
    // form) or, when it holds subscribers, started again as the same nodes after downMs
    const downs: Down[] = []
    // each restart's figures: read once its subscription registered again (none when it did not within the read's minute)
    const readDowns = async (): Promise<void> => {
      for (const down of downs) {
        const p = pairs[down.pair]
        if (down.read != null || p == null || !net.running(p.subscriber)) continue
        down.read = await net.durableRead(p.subscriber, p.name, { signal }).catch((err: Error & { code?: string }) => {
          if (err.code !== 'TESTNET_TIMEOUT') throw err
          say(`subscriber of ${p.subject} not registered again: ${err.message}`)
          return undefined
        })
      }
    }
    const churnStarted = Date.now()
    for (let k = 0; k < kills; k++) {
      await pause(Math.max(0, churnStarted + (k + 1) * churnMs / kills - Date.now()), signal)
      const [victim, ...rest] = churnWorkers
      if (victim == null) break
      const held = pairs.flatMap((p, i) => victim.nodes.includes(p.subscriber) ? [i] : [])
      if (held.length === 0) {
        await net.killWorker(victim.worker)
        churnWorkers = [...rest, await net.addWorker(batch, { signal, stores: churned })]
      } else {
        // what the run before this kill held was read (a worker killed twice keeps each restart's figures)
        await readDowns()
        const killedAt = Date.now()
        await net.killWorker(victim.worker)
        await pause(downMs, signal)
        await net.restartWorker(victim.worker, { signal })
        for (const pair of held) downs.push({ pair, killedAt, restartedAt: Date.now() })
        churnWorkers = [...rest, victim]
      }
      await checkCoordinators()
      say(`kill ${k + 1}/${kills}: worker ${victim.worker} (${batch} nodes) SIGKILLed and ${held.length === 0 ? 'replaced' : `restarted after ${downMs} ms (${held.length} subscribers)`}; ${sent} sent, ${outcomes.delivered ?? 0} delivered, ${handovers} coordinator handovers`)
    }
    sending = false
    await Promise.all(senders)
    await checkCoordinators()
    await readDowns()
    say('churn stopped; waiting for every table to be healthy')
    const heal = await net.whenHealthy({ timeoutMs: init.healTimeoutMs ?? 300_000, signal })

    let lost = 0
    if (churned) {
      // read back from disk: each subscriber's worker SIGKILLed and started once more
      const workers = [...new Set(churnWorkers.filter(w => pairs.some(p => w.nodes.includes(p.subscriber))).map(w => w.worker))]
      for (const w of workers) await net.killWorker(w)
      await Promise.all(workers.map(async w => { await net.restartWorker(w, { signal }) }))
      say(`the subscribers' ${workers.length} workers SIGKILLed and restarted; reading their stores back`)
    }
    for (const [i, p] of pairs.entries()) {
      const seen = new Set(churned ? (await net.durableRead(p.subscriber, p.name, { signal, registered: false })).seqs : await net.received(p.subscriber, p.subject, { signal }))
      for (const seq of acked[i] ?? []) if (!seen.has(seq)) lost++
    }
    const delivered = acked.reduce((sum, a) => sum + a.size, 0)
    return {
      nodes,
      killed: kills * batch,
      kills,
      settledBefore: settle.settled,
      messages: { sent, delivered, notDelivered: sent - delivered, lost, statuses: byStatus(outcomes), outcomes, errors },
      coordinatorHandovers: handovers,
      heal,
      ...(churned ? { subscribers: { downMs, messageTtlMs: ttlMs, ...downFigures(downs, published) } } : {})
    }
  } finally {
    await net.stop()
  }
}

/** outcomes (`status` or `status:code`) counted by status alone */
function byStatus (outcomes: Record<string, number>): Record<string, number> {
  const statuses: Record<string, number> = {}
  for (const [outcome, count] of Object.entries(outcomes)) {
    const status = outcome.split(':')[0] ?? outcome
    statuses[status] = (statuses[status] ?? 0) + count
  }
  return statuses
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
