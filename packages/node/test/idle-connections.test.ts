/**
 * Connection slots cannot be held by idle sockets (issue 19, item 5): an outsider opens 300 Noise
 * connections (TCP, from another loopback address) that never start the realm handshake, and
 * keeps opening them; an honest node still joins within 5 s, the outsider never holds more than
 * the per-address cap of unadmitted connections, and each of its connections is closed at the
 * handshake deadline.
 */
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@libp2p/yamux'
import { until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Libp2p } from '@libp2p/interface'

const outsider = async (localAddress: string): Promise<Libp2p> => await createLibp2p({
  transports: [tcp({ dialOpts: { localAddress } as never })],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { maxConnections: 10_000, maxParallelDials: 100 }
})

const IDLE = 300
const PER_ADDRESS = 16

describe('idle connections from an outsider', () => {
  const h = new Harness()
  let attacker: Libp2p | undefined
  const attackers: Libp2p[] = []
  after(async () => {
    await attacker?.stop()
    await Promise.all(attackers.map(async a => { await a.stop() }))
    await h.stopAll()
  })

  test(`${IDLE} idle Noise connections do not keep an honest node out`, async (t) => {
    const realm = await makeRealm('idle')
    // libp2p's own per-IP rate limit is lifted: the gate's limits are what is tested
    const connections = { inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 64, maxUnadmittedPerAddress: PER_ADDRESS }
    const target = await h.node(realm, { listen: ['/ip4/127.0.0.1/tcp/0'], connections })
    // every socket from 127.0.0.2: another address than the honest node's
    attacker = await outsider('127.0.0.2')
    const fromAttacker = (): number => target.libp2p.getConnections().filter(c => c.remoteAddr.toString().includes('/127.0.0.2/')).length
    let most = 0
    let opened = 0
    const lifetimes: number[] = []
    target.libp2p.addEventListener('connection:close', (evt) => {
      if (evt.detail.remoteAddr.toString().includes('/127.0.0.2/')) lifetimes.push(Date.now() - evt.detail.timeline.open)
    })
    // the outsider keeps dialling: 300 connections, 20 at a time, again as they are closed
    const stop = new AbortController()
    const flood = (async () => {
      while (!stop.signal.aborted) {
        await Promise.allSettled(Array.from({ length: 20 }, async () => {
          await attacker?.dial(addrs(target), { force: true, signal: AbortSignal.timeout(5_000) })
          opened++
        }))
        most = Math.max(most, fromAttacker())
        if (opened >= IDLE) await new Promise(resolve => setTimeout(resolve, 200))
      }
    })()
    try {
      // the outsider is at it: its connections are being opened and capped
      while (opened < IDLE) await new Promise(resolve => setTimeout(resolve, 50))
      const started = Date.now()
      const honest = await h.node(realm, { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: addrs(target).map(String) })
      await honest.whenJoined({ signal: AbortSignal.timeout(5_000) })
      const joinedMs = Date.now() - started
      t.diagnostic(`honest node joined in ${joinedMs} ms with ${opened} idle connections opened by the outsider, at most ${most} held at once (cap ${PER_ADDRESS})`)
      assert.ok(target.membership.has(honest.peerId))
      // the outsider goes on until connections it held idle reach the handshake deadline
      await until(() => lifetimes.some(ms => ms >= 4_500), [target.libp2p], ['connection:close'], { timeoutMs: 15_000, what: 'an idle connection closed at the deadline' })
    } finally {
      stop.abort()
      await flood
    }
    assert.ok(most <= PER_ADDRESS, `the outsider held ${most} unadmitted connections at once`)
    // each idle connection that was let in was closed at the handshake deadline (5 s), none later
    const longest = Math.max(0, ...lifetimes)
    t.diagnostic(`longest-lived idle connection: ${longest} ms (${lifetimes.length} closed, ${lifetimes.filter(ms => ms < 1_000).length} of them at once, over the cap)`)
    assert.ok(longest < 6_500, `an idle connection lived ${longest} ms`)
  })

  test('outsiders holding every unadmitted slot from several addresses do not keep an honest node out', async (t) => {
    // the outsiders' connections outlive the handshake deadline here (as a node polling the leader
    // for its token keeps its connection): only the global cap stands between them and the slots
    const realm = await makeRealm('idle-global')
    const MAX = 64
    const connections = { inboundConnectionThreshold: 100_000, maxIncomingPendingConnections: 64, maxUnadmittedPerAddress: PER_ADDRESS, maxUnadmitted: MAX, handshakeDeadlineMs: 120_000 }
    const target = await h.node(realm, { listen: ['/ip4/127.0.0.1/tcp/0'], connections })
    const fromOutsiders = (): number => target.libp2p.getConnections().filter(c => !c.remoteAddr.toString().includes('/127.0.0.1/')).length
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) attackers.push(await outsider(address))
    // each address opens its 16: the 64 slots are full
    await Promise.all(attackers.map(async a => {
      // one after another: libp2p joins parallel dials to one peer into one
      for (let i = 0; i < PER_ADDRESS; i++) await a.dial(addrs(target), { force: true, signal: AbortSignal.timeout(5_000) })
    }))
    await until(() => fromOutsiders() >= MAX, [target.libp2p], ['connection:open'], { timeoutMs: 5_000, what: `${MAX} outsider connections held` })
    const honest = await h.node(realm, { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: addrs(target).map(String) })
    await honest.whenJoined({ signal: AbortSignal.timeout(10_000) })
    assert.ok(target.membership.has(honest.peerId))
    t.diagnostic(`honest node joined with the ${MAX} unadmitted slots held by outsiders; they hold ${fromOutsiders()} now`)
    assert.ok(fromOutsiders() < MAX, 'an outsider connection gave up its slot')
  })
})
