// A realm of three for tunnel tests: `a` exposes services, `ops` holds the token attribute
// team=ops, `guest` holds none. On the in-memory transport; the services are real TCP.
import { issueNodeToken, generateNodeKey } from '@realmesh/token'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { before, after } from 'node:test'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { until } from '../src/index.js'
import { echoServer } from './tunnel-fixtures.js'
import type { AllowRule, Forward, RealmNode, RealmNodeInit } from '../src/index.js'

export interface TunnelRealm {
  a: RealmNode
  ops: RealmNode
  guest: RealmNode
  /** a node token for `ops` with these attributes, expiring a day later than its first one (a renewal) */
  renewOps: (attrs: Record<string, string>) => Promise<string>
}

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
  const renewOps = async (attrs: Record<string, string>): Promise<string> => issueNodeToken(realm.leaderKey, { realm: realm.realm, subject: peerIdFromPrivateKey(opsKey), ext: { attrs }, ttlSeconds: 2 * 86_400 })
  return { a, ops, guest, renewOps }
}

export interface EchoTunnel { r: TunnelRealm, echo: Awaited<ReturnType<typeof echoServer>>, forward: Forward }

/**
 * For a describe(): before, a realm of three with a TCP echo service exposed on `a` as `echo` (to
 * `allow`) and `ops` forwarding a local port to it; after, all of it stopped. Read it in tests.
 */
export function echoTunnel (init: { a?: Partial<RealmNodeInit>, allow?: AllowRule[] } = {}): () => EchoTunnel {
  const h = new Harness()
  let made: EchoTunnel | undefined
  before(async () => {
    const echo = await echoServer()
    const r = await tunnelRealm(h, { a: init.a })
    r.a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port, allow: init.allow })
    made = { r, echo, forward: await r.ops.tunnels.forward({ target: r.a.peerId, service: 'echo' }) }
  })
  after(async () => {
    await h.stopAll()
    await made?.echo.close()
  })
  return () => {
    if (made == null) throw new Error('the echo tunnel is made in before()')
    return made
  }
}
