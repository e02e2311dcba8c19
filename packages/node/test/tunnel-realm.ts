// A realm of three for tunnel tests: `a` exposes services, `ops` holds the token attribute
// team=ops, `guest` holds none. On the in-memory transport; the services are real TCP.
import { issueNodeToken, generateNodeKey } from '@realmesh/token'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { makeRealm, addrs } from './fixtures.js'
import { until } from '../src/index.js'
import type { Harness } from './fixtures.js'
import type { RealmNode, RealmNodeInit } from '../src/index.js'

export interface TunnelRealm { a: RealmNode, ops: RealmNode, guest: RealmNode }

export async function tunnelRealm (h: Harness, init: { a?: Partial<RealmNodeInit>, others?: Partial<RealmNodeInit> } = {}): Promise<TunnelRealm> {
  const realm = await makeRealm()
  const a = await h.node(realm, init.a)
  const opsKey = await generateNodeKey()
  const opsToken = await issueNodeToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(opsKey), ext: { attrs: { team: 'ops' } } })
  const bootstrap = addrs(a).map(String)
  const [ops, guest] = await Promise.all([
    h.node(realm, { privateKey: opsKey, nodeToken: opsToken, bootstrap, ...init.others }),
    h.node(realm, { bootstrap, ...init.others })
  ])
  await until(() => a.members().length === 2 && ops.joined && guest.joined, [a, ops, guest], ['peer:joined', 'joined'], { what: 'a realm of three' })
  return { a, ops, guest }
}
