/**
 * Realm-wide broadcast (seed 004): best effort, through gossipsub on the realm's topic. gossipsub
 * only ever sees admitted members (it runs behind the membership gate), signs every message with
 * the originator's libp2p key (StrictSign), and our topic validator checks that the originator is a
 * member: the payload carries its node token, whose `sub` must be the message's signed `from`.
 * An invalid message is rejected (not delivered, not forwarded) and counts against the member that
 * passed it to us.
 *
 * Only in a realm whose policy.broadcast is true: gossipsub keeps two streams open per member
 * connection and beats every second whether or not anyone broadcasts (about 0.8 MiB of heap per
 * node at 35 members), so a realm that does not broadcast does not run it.
 */
import { verifyNodeToken } from '@realmesh/token'
import { Broadcast, MAX_BROADCAST_BYTES, RealmeshError, WireErrorCode, broadcastTopic } from '@realmesh/wire'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { PeerId, AbortOptions } from '@libp2p/interface'
import type { RealmDescriptor, TokenCache } from '@realmesh/token'

export interface BroadcastMessage {
  /** the originator's peer id */
  from: string
  data: Uint8Array
}

export interface BroadcasterDeps {
  pubsub: GossipSub
  realm: RealmDescriptor
  tokenCache: TokenCache
  nodeToken: () => string | undefined
  now: () => number
  isRevoked: (jti: string, sub: string) => boolean
  skewSeconds: number
  onMessage: (message: BroadcastMessage) => void
  /** a member passed us an invalid broadcast */
  onInvalid: (propagationSource: PeerId) => void
}

export class BroadcastTooLargeError extends RealmeshError {
  static override name = 'BroadcastTooLargeError'

  constructor (size: number) {
    super(WireErrorCode.FRAME_TOO_LARGE, `a broadcast of ${size} bytes is above the limit of ${MAX_BROADCAST_BYTES} bytes`)
  }
}

/** broadcast() on a node of a realm that does not broadcast (its realm.json policy.broadcast is not true) */
export class BroadcastDisabledError extends RealmeshError {
  static override name = 'BroadcastDisabledError'

  constructor (realmName: string) {
    super('BROADCAST_DISABLED', `realm ${realmName} does not broadcast: its realm.json has no "policy": { "broadcast": true }, so its members run no gossipsub`)
  }
}

export class Broadcaster {
  readonly topic: string
  private readonly deps: BroadcasterDeps

  constructor (deps: BroadcasterDeps) {
    this.deps = deps
    this.topic = broadcastTopic(deps.realm.id)
  }

  start (): void {
    this.deps.pubsub.topicValidators.set(this.topic, this.validate)
    this.deps.pubsub.addEventListener('message', this.onMessage)
    this.deps.pubsub.subscribe(this.topic)
  }

  stop (): void {
    this.deps.pubsub.removeEventListener('message', this.onMessage)
    this.deps.pubsub.topicValidators.delete(this.topic)
  }

  /** publishes `data` to the realm; resolves with how many members it was sent to directly */
  async broadcast (data: Uint8Array, options: AbortOptions = {}): Promise<{ recipients: number }> {
    options.signal?.throwIfAborted()
    if (data.byteLength > MAX_BROADCAST_BYTES) throw new BroadcastTooLargeError(data.byteLength)
    const nodeToken = this.deps.nodeToken()
    if (nodeToken == null) throw new RealmeshError(WireErrorCode.HANDSHAKE_REQUIRED, 'this node has no node token yet')
    const result = await this.deps.pubsub.publish(this.topic, Broadcast.encode({ nodeToken, data: new Uint8Array(data) }))
    return { recipients: result.recipients.length }
  }

  private readonly validate = async (propagationSource: PeerId, message: Message): Promise<TopicValidatorResult> => {
    if (await this.check(message) != null) return TopicValidatorResult.Accept
    this.deps.onInvalid(propagationSource)
    return TopicValidatorResult.Reject
  }

  /** the verified broadcast, or undefined when it is not one */
  private async check (message: Message): Promise<BroadcastMessage | undefined> {
    if (message.type !== 'signed' || message.data.byteLength > MAX_BROADCAST_BYTES + 16 * 1024) return undefined
    let decoded: Broadcast
    try {
      decoded = Broadcast.decode(message.data)
    } catch {
      return undefined
    }
    if (decoded.data.byteLength > MAX_BROADCAST_BYTES) return undefined
    try {
      await verifyNodeToken(decoded.nodeToken, {
        realm: this.deps.realm,
        expectedPeer: message.from,
        cache: this.deps.tokenCache,
        now: this.deps.now,
        isRevoked: this.deps.isRevoked,
        skewSeconds: this.deps.skewSeconds
      })
    } catch {
      return undefined
    }
    return { from: message.from.toString(), data: decoded.data }
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const message = evt.detail
    if (message.topic !== this.topic || message.type !== 'signed') return
    // the validator already accepted it; decoding again is cheap and keeps the event self-contained
    let decoded: Broadcast
    try {
      decoded = Broadcast.decode(message.data)
    } catch {
      return
    }
    this.deps.onMessage({ from: message.from.toString(), data: decoded.data })
  }

  /**
   * Members this node forwards broadcasts to (its gossipsub mesh on the realm topic). The GossipSub
   * class has getMeshPeers(); its exported interface does not, hence the check.
   */
  meshPeers (): number {
    const pubsub = this.deps.pubsub as GossipSub & { getMeshPeers?: (topic: string) => string[] }
    return typeof pubsub.getMeshPeers === 'function' ? pubsub.getMeshPeers(this.topic).length : pubsub.getSubscribers(this.topic).length
  }
}
