/**
 * The durable consumers of one worker: one per (node, durable subscription), attached `fromStart`
 * each time the node starts. So after a restart (a SIGKILL included) what a consumer is handed
 * first is everything the subscription kept in the node's store, read back from disk, and then
 * each message stored in this run: the parent compares that with what its publishers were told
 * was delivered. The store itself is the record: a list of our own beside it could disagree with
 * it, and would be one more thing to keep crash-safe.
 */
import { TestnetError } from './errors.js'
import type { RealmNode } from '@realmesh/node'
import type { DurableRead, DurableSpec } from './protocol.js'

/** most sequence numbers kept per consumer (a churn run sends a few hundred per subject) */
const MAX_SEQS = 100_000

interface Run {
  /** when this run of the node started */
  startedAt: number
  registeredAt?: number
  /** message data (a number) of everything handed over in this run, in order */
  seqs: Set<number>
  arrivals: Array<[number, number]>
  /** messages handed over in this run (a copy resent with another id would count twice in seqs' place) */
  handed: number
  /** read() calls waiting for the consumer to catch up with the store and for the registration */
  waiters: Set<() => void>
}

export class DurableConsumers {
  /** `${index}/${name}` → this run's record (cleared when the node starts again or stops) */
  private readonly runs = new Map<string, Run>()
  /** when each running node's current run started */
  private readonly started = new Map<number, number>()

  /** node `index` starts (again): what an earlier run was handed is forgotten */
  begin (index: number, node: RealmNode): void {
    this.forget(index)
    this.started.set(index, Date.now())
    node.addEventListener('durable:registered', (evt) => {
      if (!this.started.has(index)) return
      const run = this.run(index, evt.detail.name)
      run.registeredAt ??= Date.now()
      for (const wake of run.waiters) wake()
    })
  }

  /** node `index` stopped */
  forget (index: number): void {
    this.started.delete(index)
    for (const key of this.runs.keys()) if (key.startsWith(`${index}/`)) this.runs.delete(key)
  }

  /**
   * Creates the durable subscription (or finds it: after a restart it was loaded from the store)
   * and attaches this run's consumer from its start: everything it holds, then each new message.
   */
  async attach (index: number, node: RealmNode, spec: DurableSpec): Promise<void> {
    await node.durable.subscribe(spec.subject, spec.name, { bounds: { whenFull: 'reject' }, signal: AbortSignal.timeout(60_000) })
    const run = this.run(index, spec.name)
    await node.durable.attach(spec.name, (message) => {
      const seq = Number(new TextDecoder().decode(message.data))
      if (run.seqs.size < MAX_SEQS) run.seqs.add(seq)
      if (message.receivedAt >= run.startedAt && run.arrivals.length < MAX_SEQS) run.arrivals.push([seq, message.receivedAt])
      run.handed++
      for (const wake of run.waiters) wake()
    }, { fromStart: true })
  }

  /**
   * What subscription `name` of node `index` holds, once its consumer was handed all of it and,
   * with `registered`, its interest is registered (after a restart messages may come before that:
   * one coordinator matched while the others answer). TESTNET_TIMEOUT after `timeoutMs`.
   */
  async read (index: number, node: RealmNode, name: string, timeoutMs: number, registered: boolean): Promise<DurableRead> {
    const run = this.runs.get(`${index}/${name}`)
    if (run == null) throw new TestnetError('TESTNET_NO_SUCH_DURABLE', `node ${index} has no durable consumer for ${name}`)
    const ready = (): boolean => {
      const status = node.durable.status(name)
      return run.handed >= status.stored && (status.registered || !registered)
    }
    if (!ready()) {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          if (!ready()) return
          clearTimeout(timer)
          run.waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(() => {
          run.waiters.delete(wake)
          const status = node.durable.status(name)
          reject(new TestnetError('TESTNET_TIMEOUT', `node ${index}'s consumer of ${name} was handed ${run.handed} of ${status.stored} messages in ${timeoutMs} ms, registered: ${status.registered}`))
        }, timeoutMs)
        run.waiters.add(wake)
      })
    }
    const status = node.durable.status(name)
    return {
      seqs: [...run.seqs],
      arrivals: run.arrivals,
      startedAt: run.startedAt,
      ...(run.registeredAt == null ? {} : { registeredAt: run.registeredAt }),
      stored: status.stored,
      dropped: status.dropped,
      duplicates: status.duplicates,
      registered: status.registered
    }
  }

  private run (index: number, name: string): Run {
    const key = `${index}/${name}`
    let run = this.runs.get(key)
    if (run == null) {
      run = { startedAt: this.started.get(index) ?? Date.now(), seqs: new Set(), arrivals: [], handed: 0, waiters: new Set() }
      this.runs.set(key, run)
    }
    return run
  }
}
