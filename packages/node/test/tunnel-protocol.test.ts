import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { Frames, FRAME_LIMITS, PROTOCOLS, TunnelRequest, TunnelResponse } from '@realmesh/wire'
import { TunnelError, nextEvent, until } from '../src/index.js'
import { Harness } from './fixtures.js'
import { tunnelRealm } from './tunnel-realm.js'
import { closed, collect, dial, echoServer } from './tunnel-fixtures.js'
import type { AllowRule, Forward, ServiceDefinition, TunnelClosedDetail, TunnelRefusedDetail } from '../src/index.js'
import type { TunnelRealm } from './tunnel-realm.js'

const hasCode = (code: string) => (err: Error & { code?: string }): boolean => {
  assert.equal(err.code, code, err.message)
  return true
}

describe('tunnel protocol: refusals, limits and bad requests', () => {
  const h = new Harness()
  let r: TunnelRealm
  let echo: Awaited<ReturnType<typeof echoServer>>
  before(async () => {
    echo = await echoServer()
    r = await tunnelRealm(h, { a: { tunnels: { maxTunnelsPerPeer: 2 } } })
    r.a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port, allow: [{ attr: 'team', value: 'ops' }] })
    r.a.tunnels.expose({ name: 'open-echo', host: '127.0.0.1', port: echo.port })
  })
  after(async () => {
    await h.stopAll()
    await echo.close()
  })

  test('a member outside the rules is refused TUNNEL_NOT_ALLOWED, an unknown name TUNNEL_UNKNOWN_SERVICE; both are reported on the exposing side', async () => {
    const refused = nextEvent<TunnelRefusedDetail>(r.a.tunnels, 'tunnel:refused', d => d.code === 'TUNNEL_NOT_ALLOWED')
    await assert.rejects(r.guest.tunnels.open(r.a.peerId, 'echo'), (err: Error) => err instanceof TunnelError && hasCode('TUNNEL_NOT_ALLOWED')(err))
    assert.deepEqual(await refused, { direction: 'in', peer: r.guest.peerId.toString(), service: 'echo', code: 'TUNNEL_NOT_ALLOWED', reason: `the rules of echo do not admit ${r.guest.peerId.toString()}` })
    await assert.rejects(r.guest.tunnels.probe(r.a.peerId, 'echo'), hasCode('TUNNEL_NOT_ALLOWED'))
    await assert.rejects(r.ops.tunnels.open(r.a.peerId, 'nope'), hasCode('TUNNEL_UNKNOWN_SERVICE'))
    await r.ops.tunnels.probe(r.a.peerId, 'echo')
    // the rule by peer id (or identity) admits the guest too
    r.a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port, allow: [{ attr: 'team', value: 'ops' }, { peer: r.guest.peerId.toString() }] })
    await r.guest.tunnels.probe(r.a.peerId, 'echo')
    r.a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port, allow: [{ attr: 'team', value: 'ops' }] })
  })

  test('LIST answers only the services the asker may open; reachable() asks every member', async () => {
    assert.deepEqual(await r.ops.tunnels.servicesOf(r.a.peerId), ['echo', 'open-echo'])
    assert.deepEqual(await r.guest.tunnels.servicesOf(r.a.peerId.toString()), ['open-echo'])
    assert.deepEqual(await r.guest.tunnels.reachable(), [{ peer: r.a.peerId.toString(), identity: r.a.peerId.toString(), services: ['open-echo'] }])
  })

  test('past the per-peer limit TUNNEL_LIMIT; a closed tunnel gives its slot back', async () => {
    const first = await r.ops.tunnels.open(r.a.peerId, 'echo')
    const second = await r.ops.tunnels.open(r.a.peerId, 'open-echo')
    await tunnelsWhere(r, () => r.a.tunnels.status().tunnels.length === 2)
    await assert.rejects(r.ops.tunnels.open(r.a.peerId, 'echo'), hasCode('TUNNEL_LIMIT'))
    // another member has slots of its own
    const guests = await r.guest.tunnels.open(r.a.peerId, 'open-echo')
    first.abort(new Error('done'))
    await tunnelsWhere(r, () => r.a.tunnels.status().tunnels.filter(t => t.peer === r.ops.peerId.toString()).length === 1)
    const third = await r.ops.tunnels.open(r.a.peerId, 'echo')
    for (const s of [second, third, guests]) s.abort(new Error('done'))
    await tunnelsWhere(r, () => r.a.tunnels.status().tunnels.length === 0)
  })

  test('a service nobody listens on is TUNNEL_CONNECT_FAILED, and takes no slot', async () => {
    const closedPort = await echoServer()
    await closedPort.close()
    r.a.tunnels.expose({ name: 'gone', host: '127.0.0.1', port: closedPort.port })
    for (let i = 0; i < 3; i++) await assert.rejects(r.ops.tunnels.open(r.a.peerId, 'gone'), hasCode('TUNNEL_CONNECT_FAILED'))
    assert.equal(r.a.tunnels.status().tunnels.length, 0)
    r.a.tunnels.unexpose('gone')
  })

  test('a malformed request is answered FRAME_MALFORMED and costs the member; an oversized one is reset and costs more', async () => {
    const peer = r.ops.peerId.toString()
    const before = r.a.guard.scores.score(peer)
    const stream = await r.ops.openStream(r.a.peerId, PROTOCOLS.tunnel)
    const frames = new Frames(stream, { protocol: PROTOCOLS.tunnel, maxSize: FRAME_LIMITS.tunnel })
    // a name with a slash: decodes, fails the schema check
    await frames.write(TunnelRequest, { type: TunnelRequest.Type.OPEN, service: '../etc' })
    const answer = await frames.read(TunnelResponse)
    assert.equal(answer.error?.code, 'FRAME_MALFORMED')
    assert.ok(r.a.guard.scores.score(peer) <= before - 9, 'a malformed request costs 10 points')
    const big = await r.ops.openStream(r.a.peerId, PROTOCOLS.tunnel)
    const closedBig = new Promise<Error | undefined>((resolve) => { big.addEventListener('close', (evt) => { resolve((evt as Event & { error?: Error }).error) }, { once: true }) })
    big.send(Uint8Array.from([0x80, 0x80, 0x40]))  // a length prefix of 1 MiB
    assert.ok(await closedBig != null, 'the stream is reset')
    assert.ok(r.a.guard.scores.score(peer) <= before - 29, 'an oversized request costs 20 more')
  })

  test('bad definitions are TUNNEL_SERVICE_INVALID and change nothing; past maxServices TUNNEL_SERVICES_FULL', async () => {
    const before = r.a.tunnels.services.list()
    assert.throws(() => r.a.tunnels.expose({ name: '-x', host: '127.0.0.1', port: 1 }), hasCode('TUNNEL_SERVICE_INVALID'))
    assert.throws(() => r.a.tunnels.expose({ name: 'x', host: '127.0.0.1', port: 70000 }), hasCode('TUNNEL_SERVICE_INVALID'))
    assert.throws(() => r.a.tunnels.expose({ name: 'x', host: 'bad host', port: 1 }), hasCode('TUNNEL_SERVICE_INVALID'))
    assert.throws(() => r.a.tunnels.expose({ name: 'x', host: '127.0.0.1', port: 1, allow: [{ attr: '', value: 'v' }] }), hasCode('TUNNEL_SERVICE_INVALID'))
    assert.deepEqual(r.a.tunnels.services.list(), before)
    const names = Array.from({ length: 32 - before.length }, (_, i) => `s${i}`)
    for (const name of names) r.a.tunnels.expose({ name, host: '127.0.0.1', port: 1 })
    assert.throws(() => r.a.tunnels.expose({ name: 'one-more', host: '127.0.0.1', port: 1 }), hasCode('TUNNEL_SERVICES_FULL'))
    for (const name of names) r.a.tunnels.unexpose(name)
    // a bad name is refused before anything is sent
    await assert.rejects(r.ops.tunnels.open(r.a.peerId, 'a/b'), hasCode('TUNNEL_SERVICE_INVALID'))
  })
})

describe('tunnel rules changed while tunnels are open', () => {
  const h = new Harness()
  let r: TunnelRealm
  let echo: Awaited<ReturnType<typeof echoServer>>
  let opsForward: Forward
  let guestForward: Forward
  const define = (allow: AllowRule[]): ServiceDefinition => ({ name: 'echo', host: '127.0.0.1', port: echo.port, allow })
  before(async () => {
    echo = await echoServer()
    r = await tunnelRealm(h)
    r.a.tunnels.expose(define([{ attr: 'team', value: 'ops' }, { peer: r.guest.peerId.toString() }]))
    opsForward = await r.ops.tunnels.forward({ target: r.a.peerId, service: 'echo' })
    guestForward = await r.guest.tunnels.forward({ target: r.a.peerId, service: 'echo' })
  })
  after(async () => {
    await h.stopAll()
    await echo.close()
  })

  test('exposing the name again with rules that leave a member out resets its open tunnel at once (TUNNEL_NOT_ALLOWED); the admitted one still echoes', async () => {
    const ops = r.ops.peerId.toString()
    const guest = r.guest.peerId.toString()
    const opsClient = await dial(opsForward.port)
    const guestClient = await dial(guestForward.port)
    const guestGot = collect(guestClient)
    await tunnelsWhere(r, () => r.a.tunnels.status().tunnels.length === 2)
    const closedOnA = nextEvent<TunnelClosedDetail>(r.a.tunnels, 'tunnel:closed')
    const closedOnGuest = nextEvent<TunnelClosedDetail>(r.guest.tunnels, 'tunnel:closed')
    const result = r.a.tunnels.expose(define([{ attr: 'team', value: 'ops' }]))
    assert.deepEqual({ replaced: result.replaced, closed: result.closed }, { replaced: true, closed: 1 })
    assert.deepEqual(pick(await closedOnA), { direction: 'in', peer: guest, end: 'aborted', code: 'TUNNEL_NOT_ALLOWED' })
    // the guest's end: its stream reset (a reset carries no code: TUNNEL_CLOSED or the transport's), so
    // its client's socket is reset rather than ended as if complete
    const onGuest = await closedOnGuest
    assert.deepEqual({ direction: onGuest.direction, peer: onGuest.peer, end: onGuest.end }, { direction: 'out', peer: r.a.peerId.toString(), end: 'reset' })
    assert.deepEqual(await guestGot, { bytes: 0, hash: createHash('sha256').digest('hex'), end: 'error', error: 'ECONNRESET' })
    assert.deepEqual(r.a.tunnels.status().tunnels.map(t => t.peer), [ops])
    opsClient.write('still here')
    const [echoed] = await once(opsClient, 'data') as [Buffer]
    assert.equal(echoed.toString(), 'still here')
    // the guest's next connection is refused by the new rules
    const refused = nextEvent<TunnelRefusedDetail>(r.guest.tunnels, 'tunnel:refused')
    const late = connect({ host: '127.0.0.1', port: guestForward.port }).on('error', () => {})
    assert.deepEqual(await closed(late), { hadError: true })
    assert.equal((await refused).code, 'TUNNEL_NOT_ALLOWED')
    opsClient.end()
    await tunnelsWhere(r, () => r.a.tunnels.status().tunnels.length === 0)
  })

  test('a member whose renewed token lacks the attribute a rule needs has its open tunnel reset at the renewal (TUNNEL_NOT_ALLOWED)', async () => {
    const ops = r.ops.peerId.toString()
    const opened = nextEvent(r.a.tunnels, 'tunnel:opened')
    const client = await dial(opsForward.port)
    const got = collect(client)
    await opened
    const renewed = nextEvent<{ peer: string }>(r.a, 'peer:renewed', d => d.peer === ops)
    const closedOnA = nextEvent<TunnelClosedDetail>(r.a.tunnels, 'tunnel:closed')
    r.ops.setNodeToken(await r.renewOps({ team: 'dev' }))
    await r.ops.announceSelf()
    await renewed
    assert.deepEqual(pick(await closedOnA), { direction: 'in', peer: ops, end: 'aborted', code: 'TUNNEL_NOT_ALLOWED' })
    assert.equal((await got).end, 'error')
    await assert.rejects(r.ops.tunnels.probe(r.a.peerId, 'echo'), hasCode('TUNNEL_NOT_ALLOWED'))
  })
})

/** how a tunnel ended, without its id, times and byte counts */
function pick (d: TunnelClosedDetail): Pick<TunnelClosedDetail, 'direction' | 'peer' | 'end' | 'code'> {
  return { direction: d.direction, peer: d.peer, end: d.end, code: d.code }
}

/** waits until the exposing node's open tunnels satisfy `condition` */
async function tunnelsWhere (r: TunnelRealm, condition: () => boolean): Promise<void> {
  await until(condition, [r.a.tunnels], ['tunnel:opened', 'tunnel:closed'], { what: 'tunnels on a', timeoutMs: 10_000 })
}
