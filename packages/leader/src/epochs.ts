/**
 * The leader's side of epochs: a new salt every `epochSeconds`, published when its epoch starts and
 * never ahead (what a member's grant must predate for it to coordinate subjects in that epoch),
 * signed over epochSigningBytes with the realm id, numbered one past the highest epoch the
 * leader's node holds. The entries live in the leader's node (`node.epochs`), which spreads them to
 * members and, with an epoch store (startLeader: DIR/epochs.json), keeps them across restarts, so a
 * restarted leader goes on from where it was: a new epoch only once the current one is over. A
 * leader that lost its state learns the realm's epoch back from its members and numbers past it.
 */
import { randomBytes } from 'node:crypto'
import { signBytes } from '@realmesh/token'
import { epochSigningBytes, SALT_BYTES } from '@realmesh/wire'
import type { PrivateKey } from '@libp2p/interface'
import type { RealmNode } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'
import type { Epoch } from '@realmesh/wire'

/** a new epoch every hour by default (leader.yaml epochSeconds; 0: no epochs) */
export const DEFAULT_EPOCH_SECONDS = 3600
/** the part of an epoch during which interests are registered under the one before as well */
export const EPOCH_OVERLAP_FRACTION = 0.1
/** a timer can wait at most 2^31 - 1 ms (~24.8 days); longer waits are taken in steps */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface EpochPublisherInit {
  node: RealmNode
  key: PrivateKey
  realm: RealmDescriptor
  /** seconds between epochs; 0: none (the realm stays at epoch 0) */
  epochSeconds: number
  now: () => number
}

export class EpochPublisher {
  private readonly init: EpochPublisherInit
  private timer: ReturnType<typeof setTimeout> | undefined
  private running = false
  private readonly onLearnt = (): void => { this.schedule() }

  constructor (init: EpochPublisherInit) {
    this.init = init
  }

  /** publishes an epoch now when the current one is over (or there is none), and plans the next */
  async start (): Promise<void> {
    if (this.running || this.init.epochSeconds <= 0) return
    this.running = true
    // the node loads its store when it starts; the leader's service may start first
    await this.init.node.epochs.load()
    this.init.node.epochs.addEventListener('learnt', this.onLearnt)
    this.schedule()
  }

  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.init.node.epochs.removeEventListener('learnt', this.onLearnt)
  }

  /** Signs and publishes the next epoch now (its salt made now), whatever the schedule; returns it. */
  publish (): Epoch {
    const { node, key, realm, now } = this.init
    const unsigned = {
      epoch: node.epochs.epoch + 1n,
      startsAtMs: BigInt(now()),
      overlapMs: BigInt(Math.floor(this.init.epochSeconds * 1000 * EPOCH_OVERLAP_FRACTION)),
      salt: Uint8Array.from(randomBytes(SALT_BYTES))
    }
    const epoch: Epoch = { ...unsigned, signature: signBytes(key, epochSigningBytes({ realmId: realm.id, ...unsigned })) }
    // learnt by the leader's node: it keeps it, spreads it to every member, and plans the next (onLearnt)
    node.epochs.add([epoch])
    return epoch
  }

  /** the next epoch is due epochSeconds after the current one started */
  private schedule (): void {
    if (!this.running) return
    clearTimeout(this.timer)
    const current = this.init.node.epochs.current
    const dueIn = current == null ? 0 : Number(current.startsAtMs) + this.init.epochSeconds * 1000 - this.init.now()
    if (dueIn <= 0) {
      this.publish()
      return
    }
    this.timer = setTimeout(() => { this.schedule() }, Math.min(dueIn, MAX_TIMER_MS))
    this.timer.unref()
  }
}
