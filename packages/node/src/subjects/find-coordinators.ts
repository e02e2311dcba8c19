/**
 * Finding a subject's coordinators in an epoch: the R realm members eligible in it (eligibility.ts)
 * whose fingerprints are XOR-closest to the subject's position in it, through a kad-dht lookup on
 * the realm's DHT (only members are in it).
 *
 * kad-dht hashes every lookup key before it measures distances (`convertBuffer` = sha256), and a
 * position is itself a sha256: of realm id + "/" + subject in epoch 0 (the subject key), of
 * `subjectPositionText` in an epoch with a salt. So the DHT is asked for the position's preimage
 * (`subjectLookupKey`), which kad-dht hashes to exactly the position: asking for the position
 * itself would find the members closest to sha256(position), an unrelated point.
 */
import { closestTo, subjectKey, subjectPosition, subjectPositionText } from '@realmesh/token'
import { withTimeout } from '../util/signals.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { KadDHT, QueryEvent } from '@libp2p/kad-dht'
import type { EpochRef } from '../epochs/epochs.js'

const encoder = new TextEncoder()

/**
 * the bytes kad-dht hashes to the subject's position in `epoch`: utf8(realmId + "/" + subject) in
 * epoch 0 (the subject key), utf8(subjectPositionText(...)) in an epoch with a salt
 */
export function subjectLookupKey (realmId: string, subject: string, epoch?: EpochRef): Uint8Array {
  if (epoch == null) return encoder.encode(`${realmId}/${subject}`)
  return encoder.encode(subjectPositionText(realmId, subjectKey(realmId, subject), epoch.salt))
}

/** the subject's position in `epoch` (where its coordinators are) */
export function positionOf (realmId: string, key: Uint8Array, epoch: EpochRef): Uint8Array {
  return subjectPosition(realmId, key, epoch?.salt)
}

export interface FindCoordinatorsDeps {
  self: PeerId
  realmId: string
  /** the realm's DHT (a simulation passes its own walk over simulated tables) */
  dht: Pick<KadDHT, 'getClosestPeers'>
  /** members in the DHT routing table */
  routingTableSize: () => number
  /** the eligible members this node knows closest to a key (the answer when a lookup cannot run or fails) */
  localClosest: (key: Uint8Array, count: number) => string[]
  /** a member this node hears from (no missed keepalive) */
  isAlive: (peer: string) => boolean
  /** whether a peer may coordinate in the epoch looked up (undefined: its node token is unknown here) */
  eligible: (peer: string) => boolean | undefined
}

export interface FindCoordinatorsOptions extends AbortOptions {
  /** give up on the DHT walk after this long and answer from the local table. @default 20000 */
  timeoutMs?: number
  /** every kad-dht query event of the walk (SEND_QUERY, PEER_RESPONSE, QUERY_ERROR, ...), for tracing and counting hops */
  onQueryEvent?: (event: QueryEvent) => void
  /** the epoch to find them in (undefined: epoch 0). @default the realm's current epoch (RealmNode.findCoordinators) */
  epoch?: EpochRef
}

/**
 * The `count` eligible members closest to the subject's position in `epoch`, closest first, as
 * peer id strings: members that answered the DHT lookup (every one of them was admitted, so its
 * node token is known here), plus this node when it is closer than the count-th and eligible.
 *
 * kad-dht's lookup runs until it has heard from the k (20) closest peers it learnt of; a
 * coordinator needs only the `count` closest. The walk stops as soon as the `count` closest peers
 * known (seeded with the local routing table, grown by every answer's closer peers, minus peers
 * that failed) have all answered: none of them knew anyone closer, which is Kademlia's own
 * termination rule for `count` instead of k; a peer known to be ineligible does not count. A peer that would be a coordinator but failed to
 * answer gets one more walk; it stays a candidate when it is a member this node hears from. A
 * lookup that fails or times out (or cannot run: an empty routing table) falls back to the members
 * this node knows; the caller's own abort is thrown.
 */
export async function findCoordinators (deps: FindCoordinatorsDeps, subject: string, epoch: EpochRef, count: number, options: FindCoordinatorsOptions = {}): Promise<string[]> {
  const key = positionOf(deps.realmId, subjectKey(deps.realmId, subject), epoch)
  const self = deps.self.toString()
  const mine = deps.eligible(self) === true ? [self] : []
  const local = deps.localClosest(key, Math.max(count, 20))
  // kad-dht would wait for a first peer in its table (membership puts it there a moment after a join)
  if (deps.routingTableSize() === 0) return closestTo(key, [...local, ...mine], count)
  const signal = withTimeout(options, options.timeoutMs ?? 20_000)
  const target = { key, lookup: subjectLookupKey(deps.realmId, subject, epoch) }
  let walk = await lookup(deps, target, count, local, signal, options.onQueryEvent)
  // a peer that would be a coordinator failed to answer (a busy peer, a connection being admitted
  // at that moment): one more walk before it is left out
  const ranked = (): string[] => closestTo(key, [...walk.answered, ...walk.failed, ...mine].filter(p => deps.eligible(p) !== false), count)
  if (ranked().some(p => walk.failed.has(p) && !deps.isAlive(p)) && !signal.aborted) {
    const again = await lookup(deps, target, count, local, signal, options.onQueryEvent)
    walk = { answered: new Set([...walk.answered, ...again.answered]), failed: new Set([...again.failed].filter(p => !walk.answered.has(p))) }
  }
  options.signal?.throwIfAborted()
  // members we hear from (live by our own keepalives) stay candidates when a lookup message to them failed
  const candidates = walk.answered.size > 0 ? [...walk.answered, ...[...walk.failed].filter(p => deps.isAlive(p))] : local
  // only members whose node token shows they may coordinate in this epoch
  return closestTo(key, [...candidates.filter(p => deps.eligible(p) === true), ...mine], count)
}

interface Walk { answered: Set<string>, failed: Set<string> }

async function lookup (deps: FindCoordinatorsDeps, target: { key: Uint8Array, lookup: Uint8Array }, count: number, local: string[], signal: AbortSignal, onEvent?: (event: QueryEvent) => void): Promise<Walk> {
  const { key } = target
  const self = deps.self.toString()
  const known = new Set(local)
  const answered = new Set<string>()
  const failed = new Set<string>()
  // the `count` closest peers not known to be ineligible have all answered (an unknown one may turn out eligible)
  const settled = (): boolean => closestTo(key, [...known, self].filter(p => p === self || deps.eligible(p) !== false), count).every(p => p === self || answered.has(p))
  try {
    // isSelfQuery: kad-dht holds every query until its first self-lookup ended (seconds after
    // start), to have a routing table to start from; ours is filled by membership at admission
    const query = { signal, isSelfQuery: true } as Parameters<KadDHT['getClosestPeers']>[1]
    for await (const event of deps.dht.getClosestPeers(target.lookup, query)) {
      onEvent?.(event)
      if (event.name === 'PEER_RESPONSE') {
        const from = event.from.toString()
        answered.add(from)
        failed.delete(from)
        known.add(from)
        for (const peer of event.closer) {
          const id = peer.id.toString()
          if (id !== self && !failed.has(id)) known.add(id)
        }
      } else if (event.name === 'QUERY_ERROR') {
        const from = event.from.toString()
        if (!answered.has(from)) failed.add(from)
        known.delete(from)
      } else {
        continue
      }
      if (settled()) break
    }
  } catch {
    // a failed or timed-out walk: what it learnt so far is the answer
  }
  return { answered, failed }
}
