/**
 * The realmesh side of suites 2 and 3, behind one function each, so that the subjects API
 * (issue 4: subject coordinator, interest registration, matched sender/receiver messages) can
 * replace what is measured today without touching the suites.
 *
 * Today (subjects pending):
 *   - findCoordinator: the realm's kad-dht `getClosestPeers(subjectKey(realm.id, subject))`; the
 *     coordinator is the closest peer it finds.
 *   - openSubjectStream: a direct stream between two admitted members on a bench protocol.
 */
import { subjectKey } from '@realmesh/token'
import { closestPeerLookup } from './kad.js'
import type { LookupResult } from './kad.js'
import type { RealmNode } from '@realmesh/node'
import type { AbortOptions, Stream, StreamHandler } from '@libp2p/interface'

/** what the realmesh side of suite 3 measures today, as the results name it */
export const SUBJECT_MESSAGES_LABEL = 'subject messages (direct member stream; subjects pending)'
/** what the realmesh side of suite 2 measures today */
export const COORDINATOR_LOOKUP_LABEL = 'coordinator lookup (realm kad-dht getClosestPeers; subjects pending)'

/** Finds the node that coordinates `subject` in `node`'s realm. */
export async function findCoordinator (node: RealmNode, subject: string, options: AbortOptions = {}): Promise<LookupResult> {
  return closestPeerLookup(node.libp2p.services.dht, subjectKey(node.realm.id, subject), options)
}

export interface SubjectStreamInit extends AbortOptions {
  /** the bench protocol (one per kind of traffic: echo, sink) */
  protocol: string
  /** serves the receiver's end */
  serve: StreamHandler
}

/**
 * A stream from a matched sender to a matched receiver, the receiver's end served by `serve`.
 * Call once per protocol and receiver (the receiver registers the handler).
 */
export async function openSubjectStream (sender: RealmNode, receiver: RealmNode, init: SubjectStreamInit): Promise<Stream> {
  await receiver.handle(init.protocol, init.serve)
  return sender.openStream(receiver.peerId, init.protocol, { signal: init.signal })
}
