/**
 * The realmesh side of suites 2 and 3, through the node's public subjects API:
 *
 *   - findCoordinator: `node.findCoordinators(subject, 1)`, the subject's coordinator found through
 *     the realm's kad-dht (the walk stops once the closest member known has answered); hops and
 *     FIND_NODE requests counted from the query events it reports (`onQueryEvent`), by
 *     @realmesh/testnet's coordinatorLookup (which the multi-process testnet uses too).
 *   - subjectPair: a receiver that subscribes to a subject and a sender that publishes on it, once
 *     the coordinators matched them; messages then go straight from node to node
 *     (/realmesh/message/1), each publish resolving when the receiver acked it (`ack: 'destination'`).
 */
import { subjectKey } from '@realmesh/token'
import { nextEvent, subjectLookupKey } from '@realmesh/node'
import { coordinatorLookup } from '@realmesh/testnet'
import type { LookupResult } from './kad.js'
import type { RealmNode, SubjectMessage } from '@realmesh/node'
import type { AbortOptions } from '@libp2p/interface'

/** what the realmesh side of suite 3 measures, as the results name it */
export const SUBJECT_MESSAGES_LABEL = 'subject messages (matched sender to receiver, acked)'
/** what the realmesh side of suite 2 measures */
export const COORDINATOR_LOOKUP_LABEL = 'coordinator lookup (findCoordinators)'

/** the bytes the realm's kad-dht looks up for `subject` (it hashes them to the subject key) */
export function coordinatorLookupKey (node: RealmNode, subject: string): Uint8Array {
  return subjectLookupKey(node.realm.id, subject)
}

/** Finds the member that coordinates `subject` in `node`'s realm (possibly `node` itself), counting hops. */
export async function findCoordinator (node: RealmNode, subject: string, options: AbortOptions = {}): Promise<LookupResult> {
  return coordinatorLookup(node, subject, options)
}

export interface SubjectPairInit extends AbortOptions {
  subject: string
  /** largest message the receiver accepts */
  maxMessageBytes: number
}

export interface SubjectPair {
  /** publishes `data` and resolves once the receiver acked it (throws unless delivered) */
  send: (data: Uint8Array) => Promise<void>
  /** messages the receiver's handler has seen so far */
  seen: () => number
  /** resolves once the receiver's handler has seen `total` messages in all */
  whenSeen: (total: number) => Promise<void>
  close: () => Promise<void>
}

/**
 * A receiver subscribed to `subject` on `receiver` and a sender on `sender`, matched by the
 * subject's coordinators. The receiver's interest asks for a threshold high enough that a
 * throughput run never waits for an interest renewal (the default, 1000, renews every 500).
 */
export async function subjectPair (sender: RealmNode, receiver: RealmNode, init: SubjectPairInit): Promise<SubjectPair> {
  let seen = 0
  let want = Number.POSITIVE_INFINITY
  let wake: (() => void) | undefined
  const onMessage = (_message: SubjectMessage): void => {
    seen++
    if (seen >= want) wake?.()
  }
  const subscription = await receiver.subscribe(init.subject, onMessage, { maxMessageBytes: init.maxMessageBytes, threshold: 1_000_000_000, signal: init.signal })
  const keyHex = Buffer.from(subjectKey(sender.realm.id, init.subject)).toString('hex')
  const matched = nextEvent(sender, 'subject:matched', (e: { key: string, peer: string }) => e.key === keyHex && e.peer === receiver.peerId.toString(), { signal: init.signal })
  // the first publish registers the sender's interest; the coordinators then match it
  const first = sender.publish(init.subject, new Uint8Array(1), { ack: 'destination', maxMessageBytes: init.maxMessageBytes, signal: init.signal })
  await matched
  const firstResult = await first
  if (firstResult.results?.[0]?.status !== 'delivered') throw new Error(`the first message was not delivered: ${JSON.stringify(firstResult)}`)
  return {
    send: async (data) => {
      const result = await sender.publish(init.subject, data, { ack: 'destination', maxMessageBytes: init.maxMessageBytes })
      const status = result.results?.[0]
      if (status?.status !== 'delivered') throw new Error(`message not delivered: ${status?.status ?? 'no receiver'} ${status?.code ?? ''}`)
    },
    seen: () => seen,
    whenSeen: async (total) => {
      if (seen >= total) return
      want = total
      await new Promise<void>((resolve) => { wake = resolve })
      want = Number.POSITIVE_INFINITY
    },
    close: async () => { await subscription.unsubscribe() }
  }
}
