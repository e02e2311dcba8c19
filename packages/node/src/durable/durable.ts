/**
 * Durable subscriptions: subscriptions with a name that the node holds whether or not a consumer
 * is attached. Each registers its interest like subscribe() (its definition is in the store, and
 * it registers again at every start, retrying until it is in), stores every message before the
 * sender gets its ack (the subscription acks as 'app': the ack means "stored"), drops resent
 * copies by id, keeps within its bounds, and hands what it holds to the one consumer attached.
 */
import { MAX_SUBJECT_BYTES } from '@realmesh/wire'
import { backoffDelay, sleep } from '../util/backoff.js'
import { NodeStateError } from '../errors.js'
import { DurableError } from './errors.js'
import { DurableLog, wipe } from './log.js'
import { Consumer } from './consumer.js'
import { DurableStore, fromJson, paths, toJson } from './records.js'
import { checkMaxMessageBytes, checkName, resolveBounds } from './options.js'
import { sameAudience } from '../subjects/audience.js'
import type { DurableConsumer } from './consumer.js'
import type { AttachOptions, DurableBounds, DurableDefinition, DurableDrops, DurableHandler, DurableInit, DurableStatus, DurableSubscribeOptions } from './options.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { MessageHandler, SubscribeOptions, Subscription } from '../messaging/options.js'

export interface DurableFailedDetail { name: string, code: string, message: string }

export interface DurableDropDetail extends DurableDrops { name: string }

export interface DurableDeps {
  /** the node's store (the durable subscriptions keep under /durable) */
  store: Datastore
  /** RealmNode.subscribe */
  subscribe: (subject: string, handler: MessageHandler, options: SubscribeOptions) => Promise<Subscription>
  whenJoined: (options: AbortOptions) => Promise<void>
  /** a stored subscription that could not be started (damaged definition, bounds out of range) */
  failed: (detail: DurableFailedDetail) => void
  /** a stored subscription's interest is registered again (after a start) */
  registered: (detail: { name: string, subject: string }) => void
  /** a subscription's bounds dropped (or refused) messages: how many this time, by cause */
  dropped: (detail: DurableDropDetail) => void
  now: () => number
}

interface Held {
  definition: DurableDefinition
  bounds: DurableBounds
  log: DurableLog
  subscription?: Subscription
  consumer?: Consumer
  /** stops the registration retries */
  keeper: AbortController
  /** why the last registration failed */
  error?: string
}

const DEFAULT_MAX_SUBSCRIPTIONS = 64
const DEFAULT_REMEMBER_IDS = 16_384

export class DurableSubscriptions {
  private readonly held = new Map<string, Held>()
  /** names being created or removed: one change of a name at a time */
  private readonly busy = new Set<string>()
  private readonly store: DurableStore
  private readonly deps: DurableDeps
  private readonly init: DurableInit
  private shutdown = new AbortController()

  constructor (deps: DurableDeps, init: DurableInit = {}) {
    this.deps = deps
    this.init = init
    this.store = new DurableStore(deps.store)
    resolveBounds({}, init.defaults)
  }

  /** loads every stored subscription; each registers its interest once the node has joined (retried with backoff) */
  async start (): Promise<void> {
    this.shutdown = new AbortController()
    for await (const { path, value } of this.store.query(paths.definitions)) {
      const name = path.slice(paths.definitions.length)
      try {
        const definition = { ...fromJson<DurableDefinition>(value), name: checkName(name) }
        const held = await this.open(definition)
        this.held.set(name, held)
        void this.keep(held)
      } catch (err) {
        const { code, message } = err as { code?: unknown, message?: unknown }
        this.deps.failed({ name, code: typeof code === 'string' ? code : 'DURABLE_STORE_FAILED', message: String(message) })
      }
    }
  }

  /** ends every consumer (with NODE_STOPPING's error) and resolves once every store write is done */
  async stop (): Promise<void> {
    this.shutdown.abort()
    const all = [...this.held.values()]
    this.held.clear()
    for (const held of all) {
      held.keeper.abort()
      held.consumer?.close(new NodeStateError('the node is stopping'))
    }
    await Promise.all(all.map(async held => held.log.close()))
  }

  /**
   * Creates durable subscription `name` to `subject` (its interest registered, its definition
   * stored) and resolves with its status; when it exists already, resolves with that one's. The
   * name taken by another subject (or another role or audience, when given) is DURABLE_CONFLICT.
   */
  async subscribe (subject: string, name: string, options: DurableSubscribeOptions = {}): Promise<DurableStatus> {
    checkName(name)
    if (typeof subject !== 'string' || subject === '' || Buffer.byteLength(subject) > MAX_SUBJECT_BYTES) throw new DurableError('DURABLE_OPTION_INVALID', `a subject is 1 to ${MAX_SUBJECT_BYTES} bytes of UTF-8`)
    const existing = this.held.get(name)
    if (existing != null) {
      checkSame(existing.definition, subject, options)
      return this.statusOf(existing)
    }
    if (this.busy.has(name)) throw new DurableError('DURABLE_CONFLICT', `durable subscription ${name} is being created or removed`)
    const max = this.init.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS
    if (this.held.size + this.busy.size >= max) throw new DurableError('DURABLE_LIMIT', `this node holds ${max} durable subscriptions already`)
    const definition: DurableDefinition = {
      name,
      subject,
      role: options.role ?? 'receiver',
      ...(options.audience == null ? {} : { audience: options.audience }),
      ...(options.bounds == null ? {} : { bounds: options.bounds }),
      maxMessageBytes: checkMaxMessageBytes(options.maxMessageBytes),
      createdAt: this.deps.now()
    }
    this.busy.add(name)
    try {
      resolveBounds(options.bounds, this.init.defaults)
      // what a removal cut short may have left under the name
      await wipe(this.store, name)
      const held = await this.open(definition)
      try {
        held.subscription = await this.deps.subscribe(subject, this.receiver(held), subscribeOptions(definition, options.signal))
      } catch (err) {
        await held.log.removeAll()
        throw err
      }
      await this.saveDefinition(definition).catch(async (err: unknown) => {
        await held.subscription?.unsubscribe()
        await held.log.removeAll()
        throw err
      })
      this.held.set(name, held)
      return this.statusOf(held)
    } finally {
      this.busy.delete(name)
    }
  }

  /**
   * Attaches `handler` as the consumer of `name` (DURABLE_UNKNOWN when there is none): it gets
   * what the subscription holds and has not consumed, in its order (`fromStart`: everything it
   * holds), then each new message. One consumer at a time: a newer one takes over, and the older
   * one ends with DURABLE_DETACHED (a consumer that froze cannot hold the subscription).
   */
  async attach (name: string, handler: DurableHandler, options: AttachOptions = {}): Promise<DurableConsumer> {
    const held = this.get(name)
    const ack = options.ack ?? 'auto'
    if (ack !== 'auto' && ack !== 'app') throw new DurableError('DURABLE_OPTION_INVALID', `ack is auto or app, got ${String(ack)}`)
    options.signal?.throwIfAborted()
    const takeOver = (): void => {
      held.consumer?.close(new DurableError('DURABLE_DETACHED', `another consumer attached to durable subscription ${name}`))
      held.consumer = undefined
    }
    // before the marks change, and again after (another attach may have come meanwhile)
    takeOver()
    if (options.fromStart === true) await held.log.unconsumeAll()
    if (this.held.get(name) !== held) throw new DurableError('DURABLE_UNKNOWN', `durable subscription ${name} was removed`)
    takeOver()
    // the queue is taken in the same turn as the consumer is put in place: a message stored
    // meanwhile is in one or the other, never both
    const consumer = new Consumer({ log: held.log, name, subject: held.definition.subject, handler, ack, order: held.bounds.order, queue: held.log.unconsumed(held.bounds.order), signal: options.signal })
    held.consumer = consumer
    void consumer.ended.then(() => { if (held.consumer === consumer) held.consumer = undefined })
    return consumer
  }

  /** ends `name`: its interest is released, a consumer ends with DURABLE_REMOVED, and everything it stored is deleted */
  async unsubscribe (name: string): Promise<void> {
    const held = this.get(name)
    if (this.busy.has(name)) throw new DurableError('DURABLE_CONFLICT', `durable subscription ${name} is being created or removed`)
    this.busy.add(name)
    try {
      this.held.delete(name)
      held.keeper.abort()
      held.consumer?.close(new DurableError('DURABLE_REMOVED', `durable subscription ${name} was removed`))
      await held.subscription?.unsubscribe()
      // the definition first: a removal cut short leaves data that the next use of the name wipes
      const batch = this.store.batch()
      batch.delete(paths.definition(name))
      await batch.commit()
      await held.log.removeAll()
    } finally {
      this.busy.delete(name)
    }
  }

  list (): DurableStatus[] {
    return [...this.held.values()].map(held => this.statusOf(held)).sort((a, b) => a.name.localeCompare(b.name))
  }

  status (name: string): DurableStatus {
    return this.statusOf(this.get(name))
  }

  private get (name: string): Held {
    const held = this.held.get(checkName(name))
    if (held == null) throw new DurableError('DURABLE_UNKNOWN', `no durable subscription ${name} on this node`)
    return held
  }

  private async open (definition: DurableDefinition): Promise<Held> {
    const bounds = resolveBounds(definition.bounds, this.init.defaults)
    const log = await DurableLog.load({ store: this.store, name: definition.name, bounds, rememberIds: this.init.rememberIds ?? DEFAULT_REMEMBER_IDS, now: this.deps.now })
    const held: Held = { definition, bounds, log, keeper: new AbortController() }
    log.onStored = (seq) => { held.consumer?.stored(seq) }
    log.onDropped = (drops) => { this.deps.dropped({ name: definition.name, ...drops }) }
    return held
  }

  /** what the subscription's interest hands its messages to: stored before the ack */
  private receiver (held: Held): MessageHandler {
    return async (message) => {
      await held.log.append({ id: message.id, from: message.from, peer: message.peer, senderSeq: message.seq, replySubject: message.replySubject, data: message.data })
    }
  }

  /** registers the interest of a stored subscription once the node joined, retrying with backoff until it is in */
  private async keep (held: Held): Promise<void> {
    const signal = AbortSignal.any([held.keeper.signal, this.shutdown.signal])
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.deps.whenJoined({ signal })
        const subscription = await this.deps.subscribe(held.definition.subject, this.receiver(held), subscribeOptions(held.definition, signal))
        if (signal.aborted) {
          await subscription.unsubscribe()
          return
        }
        held.subscription = subscription
        held.error = undefined
        this.deps.registered({ name: held.definition.name, subject: held.definition.subject })
        return
      } catch (err) {
        if (signal.aborted) return
        const { code, message } = err as { code?: unknown, message?: unknown }
        held.error = `${typeof code === 'string' ? code : 'INTERNAL'}: ${String(message)}`
        await sleep(backoffDelay(attempt, this.init.backoff ?? { baseMs: 1_000, maxMs: 30_000 }), signal).catch(() => {})
      }
    }
  }

  private async saveDefinition (definition: DurableDefinition): Promise<void> {
    const batch = this.store.batch()
    batch.put(paths.definition(definition.name), toJson(definition))
    await batch.commit()
  }

  private statusOf (held: Held): DurableStatus {
    const { definition, log } = held
    return {
      name: definition.name,
      subject: definition.subject,
      role: definition.role,
      ...(definition.audience == null ? {} : { audience: definition.audience }),
      stored: log.size,
      pending: log.pending,
      bytes: log.storedBytes,
      ...(log.oldest == null ? {} : { oldest: log.oldest }),
      bounds: { ...held.bounds },
      dropped: log.dropped,
      duplicates: log.duplicates,
      attached: held.consumer != null,
      registered: held.subscription != null,
      ...(held.subscription == null && held.error != null ? { error: held.error } : {}),
      createdAt: definition.createdAt
    }
  }
}

/** the name's subscription must be the same one: subject, and role and audience when given */
function checkSame (definition: DurableDefinition, subject: string, options: DurableSubscribeOptions): void {
  const differs = definition.subject !== subject ? `subject ${definition.subject}`
    : options.role != null && options.role !== definition.role ? `role ${definition.role}`
      : options.audience != null && !sameAudience(definition.audience ?? { kind: 'public' }, options.audience) ? 'another audience'
        : undefined
  if (differs != null) throw new DurableError('DURABLE_CONFLICT', `durable subscription ${definition.name} exists with ${differs}: unsubscribe it first, or use another name`)
}

function subscribeOptions (definition: DurableDefinition, signal: AbortSignal | undefined): SubscribeOptions {
  // 'app': the sender's ack waits for the store write (and carries DURABLE_FULL when it refuses)
  return { ack: 'app', role: definition.role, audience: definition.audience, maxMessageBytes: definition.maxMessageBytes, signal }
}
