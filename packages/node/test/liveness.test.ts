import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Frames, FRAME_LIMITS, HELD_FINGERPRINT_BYTES, MAX_HELD_PER_REQUEST, PROTOCOLS, PeersRequest, PeersResponse, WireErrorCode } from '@realmesh/wire'
import { decodeTokenUnverified, fingerprint } from '@realmesh/token'
import type { HeldRecord } from '@realmesh/wire'
import { nextEvent } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode, RealmNodeInit } from '../src/index.js'
import type { Stream } from '@libp2p/interface'

/** the keepalive streams `from` holds to `to`, in the given direction */
function keepaliveStreams (from: RealmNode, to: RealmNode, direction: 'inbound' | 'outbound'): Stream[] {
  return from.libp2p.getConnections(to.peerId).flatMap(c => c.streams).filter(s => s.protocol === PROTOCOLS.keepalive && s.direction === direction)
}

// fast keepalives, no UPDATE fan-out and no early DHT self-lookup: records can only travel on keepalives
const quiet: Partial<RealmNodeInit> = {
  keepalive: { intervalMs: 200, timeoutMs: 300, maxMissed: 2 },
  updateFanout: 0,
  dht: { initialQuerySelfInterval: 600_000 }
}

/** a joined to b, b sending no keepalives of its own, and b's raw keepalive stream to a */
async function keepaliveStreamFrom (h: Harness, realm: Realm): Promise<{ a: RealmNode, b: RealmNode, frames: Frames }> {
  const a = await h.node(realm, quiet)
  const b = await h.node(realm, { ...quiet, keepalive: { intervalMs: 600_000 }, bootstrap: addrs(a).map(String) })
  await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
  const stream = await b.openStream(a.peerId, PROTOCOLS.keepalive)
  return { a, b, frames: new Frames(stream, { protocol: PROTOCOLS.keepalive, maxSize: FRAME_LIMITS.keepalive }) }
}

/** a hub with x and y joined to it, none sending keepalives of its own, and no UPDATE */
async function stillHub (h: Harness, realm: Realm): Promise<{ hub: RealmNode, x: RealmNode, y: RealmNode }> {
  const still: Partial<RealmNodeInit> = { ...quiet, keepalive: { intervalMs: 600_000 } }
  const hub = await h.node(realm, still)
  const x = await h.node(realm, { ...still, bootstrap: addrs(hub).map(String) })
  const y = await h.node(realm, { ...still, bootstrap: addrs(hub).map(String) })
  await Promise.all([x, y].map(async n => n.whenJoined({ signal: AbortSignal.timeout(10_000) })))
  return { hub, x, y }
}

describe('liveness', () => {
  const h = new Harness()
  let realm: Realm
  before(async () => { realm = await makeRealm() })
  after(async () => { await h.stopAll() })

  test('keepalives measure each member\'s latency', async () => {
    const a = await h.node(realm, quiet)
    const b = await h.node(realm, { ...quiet, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const alive = await nextEvent<{ peer: string, latencyMs: number }>(a, 'peer:alive', d => d.peer === b.peerId.toString(), { timeoutMs: 5_000 })
    assert.ok(alive.latencyMs >= 0)
    assert.equal(a.membership.get(b.peerId)?.latencyMs, alive.latencyMs)
    assert.equal(a.membership.get(b.peerId)?.failures, 0)
  })

  test('records ride on keepalives (PIGGY): a member learns of a peer nobody announced to it', async () => {
    const hub = await h.node(realm, quiet)
    const a = await h.node(realm, { ...quiet, bootstrap: addrs(hub).map(String) })
    await a.whenJoined({ signal: AbortSignal.timeout(10_000) })
    // c joins the hub after a did: no UPDATE (fan-out 0), no NLIST to a, no lookup yet
    const c = await h.node(realm, { ...quiet, bootstrap: addrs(hub).map(String) })
    await c.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await nextEvent(a, 'peer:joined', d => (d as { peer: string }).peer === c.peerId.toString(), { timeoutMs: 10_000 })
  })

  test('a keepalive carries only records the member does not hold yet: the next one, nothing having changed, carries none', async () => {
    // no keepalives of their own and no UPDATE: what the hub piggybacks is seen on the raw stream only
    const { hub, x, y } = await stillHub(h, realm)
    const frames = new Frames(await x.openStream(hub.peerId, PROTOCOLS.keepalive), { protocol: PROTOCOLS.keepalive, maxSize: FRAME_LIMITS.keepalive })
    const keepalive = async (): Promise<string[]> => {
      await frames.write(PeersRequest, { type: PeersRequest.Type.KEEPALIVE, records: [] })
      const answer = await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
      assert.equal(answer.error, undefined)
      return answer.records.map(r => Buffer.from(r.signature).toString('hex'))
    }
    const yRecord = hub.membership.get(y.peerId)?.record
    assert.ok(yRecord != null)
    assert.deepEqual(await keepalive(), [Buffer.from(yRecord.signature).toString('hex')], 'the first keepalive brings y\'s record')
    assert.deepEqual(await keepalive(), [], 'the second brings nothing: x holds it')
  })

  test('an NLIST answer leaves out the records the asker says it holds, and sends a newer one', async () => {
    const { hub, x, y } = await stillHub(h, realm)
    const nlist = async (held: HeldRecord[]): Promise<string[]> => {
      const frames = new Frames(await x.openStream(hub.peerId, PROTOCOLS.peers), { protocol: PROTOCOLS.peers, maxSize: FRAME_LIMITS.peers })
      await frames.write(PeersRequest, { type: PeersRequest.Type.NLIST, key: Uint8Array.from(fingerprint(x.peerId)), count: 20, held })
      const answer = await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
      assert.equal(answer.error, undefined)
      return answer.records.map(r => String(decodeTokenUnverified(r.nodeToken).claims.sub)).sort()
    }
    const seqOf = (peer: RealmNode): bigint => {
      const seq = peer === hub ? x.membership.get(hub.peerId)?.recordSeq : hub.membership.get(peer.peerId)?.recordSeq
      assert.ok(seq != null && seq > 0n)
      return seq
    }
    const held = (peer: RealmNode, seq = seqOf(peer)): HeldRecord => ({ fingerprint: Uint8Array.from(fingerprint(peer.peerId).subarray(0, HELD_FINGERPRINT_BYTES)), seq })
    const ids = (...nodes: RealmNode[]): string[] => nodes.map(n => n.peerId.toString()).sort()
    assert.deepEqual(await nlist([]), ids(hub, x, y), 'nothing held: the hub\'s own record and its members\'')
    assert.deepEqual(await nlist([held(hub), held(x), held(y)]), [], 'everything held: an empty answer')
    assert.deepEqual(await nlist([held(hub), held(x), held(y, seqOf(y) - 1n)]), ids(y), 'an older record of y held: y\'s newer one comes')
    // a fingerprint that matches y's in its first 4 bytes only is not y's
    const nearlyY = held(y)
    nearlyY.fingerprint[7] = (nearlyY.fingerprint[7] ?? 0) ^ 1
    assert.deepEqual(await nlist([held(hub), held(x), nearlyY]), ids(y), 'y\'s first 4 bytes alone do not say y is held')
    // the most a member may list (MAX_HELD_PER_REQUEST), all sharing y's first 4 bytes: the
    // index's worst case, one bucket of 128; still answered, and none of them is y
    const crowd = Array.from({ length: MAX_HELD_PER_REQUEST }, (_, i) => {
      const h = held(y)
      h.fingerprint[7] = (h.fingerprint[7] ?? 0) ^ (i + 1)
      return h
    })
    assert.deepEqual(await nlist(crowd), ids(hub, x, y), '128 look-alikes of y hide nothing')
    // y listed twice: the newer seq counts
    assert.deepEqual(await nlist([held(hub), held(x), held(y, seqOf(y) - 1n), held(y)]), [], 'the highest seq held of y counts')
  })

  test('a member that stops answering keepalives is marked offline with reason timeout', async () => {
    const a = await h.node(realm, quiet)
    // b goes silent like a frozen process: it never sends keepalives of its own (anything it sends
    // counts as alive), and once joined it answers nothing on the peers protocol
    const b = await h.node(realm, { ...quiet, keepalive: { intervalMs: 600_000 }, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    await b.unhandle(PROTOCOLS.peers)
    await b.unhandle(PROTOCOLS.keepalive)
    for (const stream of keepaliveStreams(b, a, 'inbound')) stream.abort(new Error('frozen'))
    const started = Date.now()
    const left = await nextEvent<{ peer: string, reason: string }>(a, 'peer:left', d => d.peer === b.peerId.toString(), { timeoutMs: 10_000 })
    assert.equal(left.reason, 'timeout')
    // worst case: interval + a quarter + maxMissed x (timeout + a quarter) = 200 + 50 + 2 x 350
    assert.ok(Date.now() - started < 3_000, `detected in ${Date.now() - started} ms`)
    assert.equal(a.status().members.includes(b.peerId.toString()), false)
  })

  test('keepalives to a member reuse one stream, and a reset stream is replaced', async () => {
    const a = await h.node(realm, quiet)
    // b sends no keepalives of its own: every one is a's
    const b = await h.node(realm, { ...quiet, keepalive: { intervalMs: 600_000 }, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const isB = (d: { peer: string }): boolean => d.peer === b.peerId.toString()
    await nextEvent(a, 'peer:alive', isB, { timeoutMs: 5_000 })
    const [first] = keepaliveStreams(a, b, 'outbound')
    assert.ok(first != null, 'a holds a keepalive stream to b')
    for (let i = 0; i < 3; i++) await nextEvent(a, 'peer:alive', isB, { timeoutMs: 5_000 })
    assert.deepEqual(keepaliveStreams(a, b, 'outbound').map(s => s.id), [first.id], 'four keepalives, one stream')
    assert.equal(keepaliveStreams(b, a, 'inbound').length, 1)

    // b resets it (a middlebox, a muxer hiccup): a's next keepalive opens a new one
    for (const stream of keepaliveStreams(b, a, 'inbound')) stream.abort(new Error('reset'))
    await nextEvent(a, 'peer:alive', isB, { timeoutMs: 5_000 })
    const now = keepaliveStreams(a, b, 'outbound')
    assert.equal(now.length, 1)
    assert.notEqual(now[0]?.id, first.id)
    assert.equal(a.status().members.includes(b.peerId.toString()), true)
  })

  test('anything but KEEPALIVE on the keepalive stream is refused as FRAME_MALFORMED, and the member stays', async () => {
    const { a, b, frames } = await keepaliveStreamFrom(h, realm)
    await frames.write(PeersRequest, { type: PeersRequest.Type.KEEPALIVE, records: [] })
    assert.equal((await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })).error, undefined)
    // an NLIST belongs on the peers protocol
    await frames.write(PeersRequest, { type: PeersRequest.Type.NLIST, key: new Uint8Array(32), count: 5 })
    const refused = await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
    assert.equal(refused.error?.code, WireErrorCode.FRAME_MALFORMED)
    assert.deepEqual(refused.records, [])
    await assert.rejects(frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) }), { code: WireErrorCode.STREAM_CLOSED })
    assert.ok(a.guard.scores.score(b.peerId.toString()) < 0, 'the malformed frame counts against b')
    assert.equal(a.status().members.includes(b.peerId.toString()), true)
    // and a's own keepalives to b go on
    await nextEvent(a, 'peer:alive', d => (d as { peer: string }).peer === b.peerId.toString(), { timeoutMs: 5_000 })
  })

  test('a member flooding keepalives on its stream hits the rate limit: RATE_LIMITED, the stream ends, the offence counts', async () => {
    const { a, b, frames } = await keepaliveStreamFrom(h, realm)
    let answered = 0
    let refused: string | undefined
    for (let i = 0; i < 500 && refused == null; i++) {
      await frames.write(PeersRequest, { type: PeersRequest.Type.KEEPALIVE, records: [] })
      const response = await frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) })
      if (response.error != null) refused = response.error.code
      else answered++
    }
    assert.equal(refused, WireErrorCode.RATE_LIMITED)
    // the burst (60, less the stream's own open) and what refilled meanwhile, not 500
    assert.ok(answered >= 50 && answered < 200, `${answered} keepalives answered before the limit`)
    await assert.rejects(frames.read(PeersResponse, { signal: AbortSignal.timeout(5_000) }), { code: WireErrorCode.STREAM_CLOSED })
    assert.ok(a.guard.scores.score(b.peerId.toString()) < 0)
  })

  test('a node its last member dropped (it seemed frozen) joins again through its bootstrap address', async () => {
    // keepalives as fast, but with room for a loaded machine: the drop here is a's doing, and a
    // 300 ms timeout missed twice under load (CI) dropped a again before its first keepalive
    const tolerant = { ...quiet, keepalive: { intervalMs: 200, timeoutMs: 2_000, maxMissed: 3 } }
    const a = await h.node(realm, tolerant)
    const b = await h.node(realm, { ...tolerant, bootstrap: addrs(a).map(String) })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const rejoin = nextEvent<{ addresses: number }>(b, 'rejoin', undefined, { timeoutMs: 10_000 })
    const left = nextEvent<{ peer: string, reason: string }>(b, 'peer:left', d => d.peer === a.peerId.toString(), { timeoutMs: 10_000 })
    await a.dropPeer(b.peerId, 'timeout', WireErrorCode.STREAM_TIMEOUT, 'missed 2 keepalives')
    assert.equal((await left).reason, 'disconnect')
    assert.ok((await rejoin).addresses >= 1)
    await nextEvent(a, 'peer:joined', d => (d as { peer: string }).peer === b.peerId.toString(), { timeoutMs: 10_000 })
    await nextEvent(b, 'peer:alive', d => (d as { peer: string }).peer === a.peerId.toString(), { timeoutMs: 10_000 })
    assert.deepEqual(b.status().members, [a.peerId.toString()])
  })
})
