/**
 * A coordinator's relay store: what senders deposited for sleeping receivers, kept in the node's
 * store (its /relay namespace) so that it survives the coordinator's restart, until the receiver
 * acked it or it expired. One store value per deposit (a RelayDeposit as it came, less what was
 * acked or expired since), under /<receiver>/<stamp>/<depositor>: a receiver's deposits read in
 * the order they came, which keeps each sender's order. What is held is sealed for the receiver
 * identity: this node can neither read nor change it.
 *
 * Bounded per receiver, per depositor and in all, by messages and bytes (a deposit's stored size);
 * a deposit over a bound is taken up to it (its first messages, so the order holds) and the rest
 * refused with RELAY_FULL. A message is kept until its own expiry: a deposit whose messages all
 * expired is deleted (prune(), and before every delivery).
 */
import { Key } from 'interface-datastore'
import { RelayDeposit, RelayMessage, WireErrorCode } from '@realmesh/wire'
import { RelayError } from './errors.js'
import type { Datastore } from 'interface-datastore'

export interface RelayLimits {
  /** most messages held for one receiver. @default 1000 */
  maxReceiverMessages?: number
  /** most bytes held for one receiver. @default 16777216 (16 MiB) */
  maxReceiverBytes?: number
  /** most messages held from one depositor. @default 1000 */
  maxDepositorMessages?: number
  /** most bytes held from one depositor. @default 16777216 (16 MiB) */
  maxDepositorBytes?: number
  /** most messages held in all. @default 10000 */
  maxMessages?: number
  /** most bytes held in all. @default 134217728 (128 MiB) */
  maxBytes?: number
}

export const RELAY_DEFAULTS: Required<RelayLimits> = {
  maxReceiverMessages: 1000,
  maxReceiverBytes: 16 * 1024 * 1024,
  maxDepositorMessages: 1000,
  maxDepositorBytes: 16 * 1024 * 1024,
  maxMessages: 10_000,
  maxBytes: 128 * 1024 * 1024
}

/** one stored deposit, as the index in memory knows it (never its data) */
export interface HeldDeposit {
  readonly key: Key
  readonly receiver: string
  readonly depositor: string
  messages: number
  bytes: number
  /** the latest expiry of its messages, ms */
  expiresAt: number
}

interface Totals { messages: number, bytes: number }

/** what a repeated field's element costs in a deposit besides its own bytes (tag, length) */
const ELEMENT_OVERHEAD = 6

export class RelayStore {
  private readonly store: Datastore
  private readonly limits: Required<RelayLimits>
  /** per receiver, in key order */
  private readonly held = new Map<string, HeldDeposit[]>()
  private readonly depositors = new Map<string, Totals>()
  private readonly total: Totals = { messages: 0, bytes: 0 }
  /** writes in the order they were asked for (the index follows the store) */
  private chain: Promise<unknown> = Promise.resolve()
  private counter = 0

  constructor (store: Datastore, limits: RelayLimits = {}) {
    this.store = store
    this.limits = { ...RELAY_DEFAULTS, ...limits }
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`relay.${name} must be a whole number >= 1, got ${String(value)}`)
    }
  }

  /** messages and bytes held in all */
  get size (): Totals {
    return { ...this.total }
  }

  /** Reads the index of what an earlier run kept; deletes what expired meanwhile and what does not decode. */
  async open (now: number): Promise<void> {
    const gone: Key[] = []
    for await (const { key, value } of this.store.query({})) {
      const [receiver, , depositor] = key.toString().split('/').slice(1)
      let deposit: RelayDeposit
      try {
        deposit = RelayDeposit.decode(value)
      } catch {
        gone.push(key)
        continue
      }
      const expiresAt = latestExpiry(deposit)
      if (receiver == null || depositor == null || expiresAt <= now) {
        gone.push(key)
        continue
      }
      this.index({ key, receiver, depositor, messages: deposit.messages.length, bytes: value.byteLength, expiresAt })
    }
    for (const key of gone) await this.store.delete(key)
  }

  /** whether deposits wait for `receiver` */
  holdsFor (receiver: string): boolean {
    return (this.held.get(receiver)?.length ?? 0) > 0
  }

  /** the deposits held for `receiver`, in the order they came */
  of (receiver: string): HeldDeposit[] {
    return [...(this.held.get(receiver) ?? [])]
  }

  /**
   * Keeps a deposit from `depositor` for its receiver, as much of it as the bounds allow (its first
   * messages). Resolves with how many were kept; RelayError RELAY_FULL when none fits (nothing changed).
   */
  async put (depositor: string, deposit: RelayDeposit): Promise<number> {
    return this.serial(async () => {
      const fits = this.fitting(depositor, deposit)
      if (fits === 0) throw new RelayError(WireErrorCode.RELAY_FULL, `the relay store holds its most messages or bytes for ${deposit.receiver} or from ${depositor}`)
      const kept: RelayDeposit = { ...deposit, messages: deposit.messages.slice(0, fits) }
      const value = RelayDeposit.encode(kept)
      const stamp = `${String(Date.now()).padStart(15, '0')}${String(this.counter++ % 1e6).padStart(6, '0')}`
      const key = new Key(`/${deposit.receiver}/${stamp}/${depositor}`)
      await this.store.put(key, value)
      this.index({ key, receiver: deposit.receiver, depositor, messages: fits, bytes: value.byteLength, expiresAt: latestExpiry(kept) })
      return fits
    })
  }

  /** a held deposit's messages that have not expired (undefined: it is gone) */
  async get (held: HeldDeposit, now: number): Promise<RelayDeposit | undefined> {
    let deposit: RelayDeposit
    try {
      deposit = RelayDeposit.decode(await this.store.get(held.key))
    } catch {
      await this.settle(held, () => true)
      return undefined
    }
    const live = deposit.messages.filter(m => Number(m.message?.expiresAtMs ?? 0n) > now)
    if (live.length === deposit.messages.length) return deposit
    await this.settle(held, m => Number(m.message?.expiresAtMs ?? 0n) <= now)
    return live.length === 0 ? undefined : { ...deposit, messages: live }
  }

  /** the messages `done` says are settled leave the deposit: it is rewritten with the rest, or deleted */
  async settle (held: HeldDeposit, done: (message: RelayMessage) => boolean): Promise<void> {
    await this.serial(async () => {
      if (!this.isHeld(held)) return
      let left: RelayMessage[] = []
      let deposit: RelayDeposit | undefined
      try {
        deposit = RelayDeposit.decode(await this.store.get(held.key))
        left = deposit.messages.filter(m => !done(m))
      } catch {
        // gone or unreadable: deleted below
        deposit = undefined
      }
      if (deposit == null || left.length === 0) {
        await this.store.delete(held.key)
        this.unindex(held)
        return
      }
      if (left.length === deposit.messages.length) return
      const kept = { ...deposit, messages: left }
      const value = RelayDeposit.encode(kept)
      await this.store.put(held.key, value)
      this.count(held, -1)
      held.messages = left.length
      held.bytes = value.byteLength
      held.expiresAt = latestExpiry(kept)
      this.count(held, 1)
    })
  }

  /** deletes every deposit whose messages all expired */
  async prune (now: number): Promise<void> {
    const expired = [...this.held.values()].flat().filter(h => h.expiresAt <= now)
    for (const held of expired) await this.settle(held, () => true)
  }

  /** waits for writes in flight (before the store closes) */
  async idle (): Promise<void> {
    await this.chain.catch(() => {})
  }

  /** how many of the deposit's first messages fit every bound */
  private fitting (depositor: string, deposit: RelayDeposit): number {
    const receiver = sum(this.held.get(deposit.receiver))
    const from = this.depositors.get(depositor) ?? { messages: 0, bytes: 0 }
    const l = this.limits
    let bytes = RelayDeposit.encode({ ...deposit, messages: [] }).byteLength
    let fits = 0
    for (const message of deposit.messages) {
      bytes += RelayMessage.encode(message).byteLength + ELEMENT_OVERHEAD
      const count = fits + 1
      if (receiver.messages + count > l.maxReceiverMessages || receiver.bytes + bytes > l.maxReceiverBytes) break
      if (from.messages + count > l.maxDepositorMessages || from.bytes + bytes > l.maxDepositorBytes) break
      if (this.total.messages + count > l.maxMessages || this.total.bytes + bytes > l.maxBytes) break
      fits = count
    }
    return fits
  }

  private index (held: HeldDeposit): void {
    const list = this.held.get(held.receiver) ?? []
    list.push(held)
    list.sort((a, b) => (a.key.toString() < b.key.toString() ? -1 : 1))
    this.held.set(held.receiver, list)
    this.count(held, 1)
  }

  private unindex (held: HeldDeposit): void {
    const list = (this.held.get(held.receiver) ?? []).filter(h => h !== held)
    if (list.length === 0) this.held.delete(held.receiver)
    else this.held.set(held.receiver, list)
    this.count(held, -1)
  }

  private isHeld (held: HeldDeposit): boolean {
    return this.held.get(held.receiver)?.includes(held) === true
  }

  private count (held: HeldDeposit, sign: 1 | -1): void {
    const from = this.depositors.get(held.depositor) ?? { messages: 0, bytes: 0 }
    from.messages += sign * held.messages
    from.bytes += sign * held.bytes
    if (from.messages <= 0) this.depositors.delete(held.depositor)
    else this.depositors.set(held.depositor, from)
    this.total.messages += sign * held.messages
    this.total.bytes += sign * held.bytes
  }

  private async serial<T> (work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work)
    this.chain = run.catch(() => {})
    return run
  }
}

function latestExpiry (deposit: RelayDeposit): number {
  let latest = 0
  for (const m of deposit.messages) latest = Math.max(latest, Number(m.message?.expiresAtMs ?? 0n))
  return latest
}

function sum (list: HeldDeposit[] | undefined): Totals {
  const totals = { messages: 0, bytes: 0 }
  for (const held of list ?? []) {
    totals.messages += held.messages
    totals.bytes += held.bytes
  }
  return totals
}
