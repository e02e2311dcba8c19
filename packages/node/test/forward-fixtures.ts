// Three members for forwarding tests, on TCP on 127.0.0.1: `a` and `b` never dial each other
// (denyDial, as if each were unreachable to the other; neither holds a relay slot), both join
// through `c`, learn of each other from it, and connect through it as a forwarded connection.
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { addrs } from './fixtures.js'
import { until } from '../src/index.js'
import type { Harness, Realm } from './fixtures.js'
import type { RealmNode, RealmNodeInit } from '../src/index.js'
import type { Stream } from '@libp2p/interface'

export const TCP = ['/ip4/127.0.0.1/tcp/0']

export interface Trio {
  a: RealmNode
  b: RealmNode
  c: RealmNode
  /** lets a and b dial each other from now on */
  unblock: () => void
}

export async function forwardedTrio (h: Harness, realm: Realm, init: { c?: Partial<RealmNodeInit> } = {}): Promise<Trio> {
  const c = await h.node(realm, { listen: TCP, connections: { inboundConnectionThreshold: 1000 }, ...init.c })
  const bootstrap = addrs(c).map(String)
  const [aKey, bKey] = await Promise.all([generateNodeKey(), generateNodeKey()])
  const aId = peerIdFromPrivateKey(aKey).toString()
  const bId = peerIdFromPrivateKey(bKey).toString()
  const [aToken, bToken] = await Promise.all([realm.issue(aKey), realm.issue(bKey)])
  let blocked = true
  const a = await h.node(realm, { privateKey: aKey, nodeToken: aToken, listen: TCP, bootstrap, denyDial: (peer) => blocked && peer === bId })
  const b = await h.node(realm, { privateKey: bKey, nodeToken: bToken, listen: TCP, bootstrap, denyDial: (peer) => blocked && peer === aId })
  await until(() => a.membership.has(b.peerId) && b.membership.has(a.peerId), [a, b], ['peer:joined'], { what: 'a and b members of each other', timeoutMs: 20_000 })
  return { a, b, c, unblock: () => { blocked = false } }
}

/** the forwarder's streams of forwarded connections (one from the source, one to the target, per connection) */
export function forwardedStreams (node: RealmNode): Stream[] {
  const protocols = [node.forwarding.protocol, node.forwarding.stopProtocol]
  return node.libp2p.getConnections().flatMap(x => x.streams).filter(s => protocols.includes(s.protocol ?? ''))
}
