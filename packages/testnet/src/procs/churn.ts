/**
 * Issue 23 item 5: churn on a realm across processes. A realm of `nodes` members, of which
 * `churnShare` sit in small churn workers; over `churnMs` those workers are SIGKILLed one by one
 * and each replaced by a new worker with as many new nodes (new keys), while `subjects` pairs of
 * members that stay (a subscriber and a publisher each) exchange acked messages. Counts what was
 * sent, delivered (acked by the receiver), refused or failed, and lost (acked but never seen by the
 * receiver's handler); how often each subject's coordinators changed (seen from the subscriber);
 * and, once churn stops and the messages end, how long until every table is healthy again.
 */
import { createProcTestnet } from './proc-testnet.js'
import type { AbortOptions } from '@libp2p/interface'
import type { HealthFigures } from './figures.js'
import type { NodeOptions } from './protocol.js'

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
  onProgress?: (line: string) => void
}

export interface ChurnFigures {
  nodes: number
  killed: number
  kills: number
  settledBefore: boolean
  messages: { sent: number, delivered: number, notDelivered: number, lost: number, statuses: Record<string, number> }
  /** coordinator set changes per subject, as its subscriber registered them, in all */
  coordinatorHandovers: number
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
  const say = init.onProgress ?? (() => {})
  const signal = init.signal
  if (stable < 2 * subjects) throw new RangeError(`${stable} members that stay cannot hold ${subjects} subject pairs`)

  const net = await createProcTestnet({ nodes: stable, processes: init.processes ?? 4, nodeOptions: init.nodeOptions, signal })
  try {
    // the churn workers of the first round, each `batch` new nodes
    let churnWorkers: number[] = []
    for (let i = 0; i < kills; i++) churnWorkers.push((await net.addWorker(batch, { signal })).worker)
    say(`${stable} members that stay and ${kills * batch} to churn started; waiting for the realm to settle`)
    const settle = await net.whenSettled({ quietMs: init.quietMs ?? 30_000, timeoutMs, signal })
    say(`settled: ${settle.settled}; subscribing ${subjects} subjects`)

    const pairs = Array.from({ length: subjects }, (_, s) => ({ subject: `churn-${s}`, subscriber: 2 * s, publisher: 2 * s + 1 }))
    for (const p of pairs) await net.subscribe(p.subscriber, p.subject, { signal })
    const acked = pairs.map(() => new Set<number>())
    const statuses: Record<string, number> = {}
    let sent = 0
    let handovers = 0
    const lastCoordinators = pairs.map(() => '')
    const checkCoordinators = async (): Promise<void> => {
      for (const [i, p] of pairs.entries()) {
        const now = (await net.coordinators(p.subscriber, p.subject, { signal })).slice().sort().join(',')
        if (lastCoordinators[i] !== '' && now !== lastCoordinators[i]) handovers++
        lastCoordinators[i] = now
      }
    }
    await checkCoordinators()

    // messages: each pair in its own loop, one acked message every `everyMs`, until told to stop
    let sending = true
    const senders = pairs.map(async (p, i) => {
      for (let seq = 1; sending; seq++) {
        const started = Date.now()
        sent++
        try {
          const answer = await net.publish(p.publisher, p.subject, seq, { signal, timeoutMs: 30_000 })
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
          if (answer.status === 'delivered') acked[i]?.add(seq)
        } catch (err) {
          if (signal?.aborted === true) throw err
          const code = (err as { code?: string }).code ?? 'error'
          statuses[code] = (statuses[code] ?? 0) + 1
        }
        await pause(Math.max(0, everyMs - (Date.now() - started)), signal)
      }
    })

    // churn: a churn worker SIGKILLed and replaced every churnMs / kills
    const churnStarted = Date.now()
    for (let k = 0; k < kills; k++) {
      await pause(Math.max(0, churnStarted + (k + 1) * churnMs / kills - Date.now()), signal)
      const [victim, ...rest] = churnWorkers
      if (victim == null) break
      await net.killWorker(victim)
      churnWorkers = [...rest, (await net.addWorker(batch, { signal })).worker]
      await checkCoordinators()
      say(`kill ${k + 1}/${kills}: worker ${victim} (${batch} nodes) SIGKILLed and replaced; ${sent} sent, ${statuses.delivered ?? 0} delivered, ${handovers} coordinator handovers`)
    }
    sending = false
    await Promise.all(senders)
    await checkCoordinators()
    say('churn stopped; waiting for every table to be healthy')
    const heal = await net.whenHealthy({ timeoutMs: init.healTimeoutMs ?? 300_000, signal })

    let lost = 0
    for (const [i, p] of pairs.entries()) {
      const seen = new Set(await net.received(p.subscriber, p.subject, { signal }))
      for (const seq of acked[i] ?? []) if (!seen.has(seq)) lost++
    }
    const delivered = acked.reduce((sum, a) => sum + a.size, 0)
    return {
      nodes,
      killed: kills * batch,
      kills,
      settledBefore: settle.settled,
      messages: { sent, delivered, notDelivered: sent - delivered, lost, statuses },
      coordinatorHandovers: handovers,
      heal
    }
  } finally {
    await net.stop()
  }
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
