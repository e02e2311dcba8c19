import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateNodeKey } from '@realmesh/token'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PROTOCOLS } from '@realmesh/wire'
import { nextEvent, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { collect, dial, echoServer } from './tunnel-fixtures.js'
import type { Connection } from '@libp2p/interface'

describe('tunnels and duplicate connections', () => {
  const h = new Harness()
  let echo: Awaited<ReturnType<typeof echoServer>> | undefined
  after(async () => {
    await h.stopAll()
    await echo?.close()
  })

  test('a duplicate connection that carries a tunnel is closed only once the tunnel ended', async () => {
    // a's peer id sorts first: a connection a dialled is the one both sides keep
    const keys = await Promise.all([generateNodeKey(), generateNodeKey()])
    keys.sort((x, y) => peerIdFromPrivateKey(x).toString() < peerIdFromPrivateKey(y).toString() ? -1 : 1)
    const realm = await makeRealm()
    const a = await h.node(realm, { privateKey: keys[0] })
    const b = await h.node(realm, { privateKey: keys[1], bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    echo = await echoServer()
    a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port })
    const forward = await b.tunnels.forward({ target: a.peerId, service: 'echo' })
    // the tunnel goes on the one connection there is, b's
    const opened = nextEvent(a.tunnels, 'tunnel:opened')
    const client = await dial(forward.port)
    const received = collect(client)
    await opened
    const carrying = b.libp2p.getConnections(a.peerId).find(c => c.streams.some(s => s.protocol === PROTOCOLS.tunnel)) as Connection
    assert.equal(carrying.direction, 'outbound')
    // a dials b again: that connection is the one to keep, so b's is the duplicate, due to close in 5 s
    const kept = await a.libp2p.dial(b.peerId, { force: true })
    await a.admission.ensure(kept, 'test')
    const closedEarly = until(() => carrying.status !== 'open', [b.libp2p], ['connection:close'], { timeoutMs: 7_000 })
    await assert.rejects(closedEarly, /timed out/, 'the duplicate stays open while it carries the tunnel')
    client.write('still carried')
    client.end()
    assert.equal((await received).bytes, 'still carried'.length)
    // the tunnel ended: the duplicate goes at the next check
    await until(() => carrying.status !== 'open', [b.libp2p], ['connection:close'], { timeoutMs: 8_000, what: 'the duplicate closed' })
    assert.equal(kept.status, 'open')
  })
})
