/**
 * The simulated transport: a request from one member to another takes the one-way delay there,
 * is handled by the target's own code (as realmesh's peers and keepalive handlers do), and takes
 * the delay back. A node that is gone answers nothing: the request fails a round trip later (the
 * connection reset). Only members may open realm streams to each other, as the gate enforces.
 */
import { PeersRequest, MAX_RECORDS_PER_MESSAGE } from '@realmesh/wire'
import type { PeerRecord } from '@realmesh/wire'
import type { PeerId } from '@libp2p/interface'
import type { SimClock } from './clock.js'
import type { SimNode, SimStream } from './sim-node.js'

export class SimUnreachableError extends Error {
  readonly code = 'SIM_UNREACHABLE'
}

export class SimNetwork {
  private readonly clock: SimClock
  private readonly lookup: (peer: string) => SimNode | undefined
  /** requests sent (each is one message and its answer) */
  requests = 0

  constructor (clock: SimClock, lookup: (peer: string) => SimNode | undefined) {
    this.clock = clock
    this.lookup = lookup
  }

  /** one-way delay between two members, ms */
  oneWay (a: SimNode, b: SimNode): number {
    return a.accessMs + b.accessMs
  }

  /** a realm stream from `from` to `peer`: only between members (the gate), to a live node */
  stream (from: SimNode, peer: PeerId): SimStream {
    const to = this.lookup(peer.toString())
    if (to == null || !from.membership.has(to.id)) throw new SimUnreachableError(`${peer.toString()} is not a member of ${from.id}`)
    return { from, to }
  }

  /** `handle` runs at `to` a one-way delay after now; its answer arrives a one-way delay later */
  async request<T>(from: SimNode, to: SimNode, handle: () => T | Promise<T>): Promise<T> {
    this.requests++
    const delay = this.oneWay(from, to)
    await this.clock.sleep(delay)
    if (!to.alive) {
      await this.clock.sleep(delay)
      throw new SimUnreachableError(`${to.id} is gone`)
    }
    const answer = await handle()
    await this.clock.sleep(delay)
    if (!from.alive) throw new SimUnreachableError(`${from.id} is gone`)
    return answer
  }

  /** the peers protocol's UPDATE / PIGGY / NLIST at the target, as packages/node/src/peers/peers.ts answers them */
  async peersRequest (stream: SimStream, request: Partial<PeersRequest> & Pick<PeersRequest, 'type'>): Promise<PeerRecord[]> {
    const { from, to } = stream
    return this.request(from, to, async () => {
      if (!to.membership.has(from.id)) throw new SimUnreachableError('not a member')
      // growth sends only these (keepalives go through keepalive(); notices, sleep and leave are not simulated)
      if (request.type === PeersRequest.Type.NLIST) {
        return to.growth.closestRecords(request.key ?? from.fingerprint, Math.min(request.count == null || request.count === 0 ? 20 : request.count, MAX_RECORDS_PER_MESSAGE), request.held ?? [])
      }
      if (request.type === PeersRequest.Type.UPDATE || request.type === PeersRequest.Type.PIGGY) await to.growth.onRecords(request.records ?? [], from.peerId)
      return []
    })
  }

  /** a KEEPALIVE with records, answered with the target's piggyback (packages/node/src/peers/keepalive.ts) */
  async keepalive (from: SimNode, peer: PeerId, records: PeerRecord[]): Promise<PeerRecord[]> {
    const to = this.lookup(peer.toString())
    if (to == null) throw new SimUnreachableError(`${peer.toString()} is unknown`)
    return this.request(from, to, async () => {
      if (!to.membership.has(from.id)) throw new SimUnreachableError('not a member')
      to.membership.touch(from.id)
      await to.growth.onRecords(records, from.peerId)
      return to.growth.piggyFor(from.fingerprint, from.id, to.liveness.piggyCount)
    })
  }
}
