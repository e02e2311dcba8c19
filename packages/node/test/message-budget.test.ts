// Issue 19, item 1, against real nodes: a member matched on a subject opens message streams of its
// own and sends seq 2, 3, ... (never seq 1), frames above the receiver's max_data, frames that
// never arrive whole. The receiver holds at most its budgets (window, peer, node), resets the
// stream that would pass one with its code (an offence, but for the node's budget), holds nothing
// of it afterwards, bans a member that keeps at it, and goes on delivering honest messages.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generateNodeKey } from '@realmesh/token'
import { MESSAGE_FRAME_SLACK, MessageAck } from '@realmesh/wire'
import { nextEvent, until } from '../src/index.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { realmOf, text } from './subjects-fixtures.js'
import { Raw as RawStream, session as rawSession } from './raw-sender.js'
import type { Realm } from './fixtures.js'
import type { RealmNode } from '../src/index.js'
import type { Member, Session } from './raw-sender.js'

const KiB = 1024
const MiB = 1024 * KiB
const SUBJECT = 'budget'
/** the receiver's own limits, small so that the tests pass them quickly */
const MAX_DATA = 256 * KiB
const LIMITS = { maxWindowBytes: MiB, maxPeerBytes: 4 * MiB + 4 * KiB, maxNodeBytes: 6 * MiB }
/** frames of 256 KiB: three wait in a 1 MiB window, a fourth would pass it */
const FRAME = MAX_DATA

/** a raw stream of the member's own on SUBJECT, whose frames are FRAME bytes unless told */
const Raw = {
  open: async (from: Member, to: RealmNode, s?: Session) => RawStream.open(from, to, SUBJECT, s),
  session: (from: Member, to: RealmNode) => rawSession(from, to, SUBJECT)
}

/** a frame's length prefix (a varint) */
function lengthPrefix (length: number): Uint8Array {
  const bytes: number[] = []
  for (let rest = length; ; rest = Math.floor(rest / 0x80)) {
    if (rest < 0x80) return Uint8Array.from([...bytes, rest])
    bytes.push((rest & 0x7f) | 0x80)
  }
}

/**
 * Resolves once `condition()` holds, checked at every turn of the event loop for up to 5 s: for
 * what the receiver does when a stream it had ends (it gives its bytes back), which fires no event.
 */
async function settled (condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setImmediate(resolve))
  }
}

describe('a member attacking a receiver\'s memory through its message streams', () => {
  const h = new Harness()
  let realm: Realm
  let receiver: RealmNode
  let honest: RealmNode
  const delivered: string[] = []

  /** a new member, matched with the receiver on the subject (it published there once) */
  async function member (): Promise<Member> {
    const key = await generateNodeKey()
    const token = await realm.issue(key)
    const node = await h.node(realm, { privateKey: key, nodeToken: token, bootstrap: addrs(receiver).map(String) })
    await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const first = await node.publish(SUBJECT, text('matched'), { ack: 'destination', maxMessageBytes: 4 * MiB })
    assert.deepEqual(first.results?.map(r => r.status), ['delivered'])
    return { node, token, key }
  }

  const held = (): number => receiver.messageStats().heldBytes
  const score = (m: Member): number => receiver.guard.scores.score(m.node.peerId.toString())

  before(async () => {
    realm = await makeRealm()
    ;[receiver, honest] = await realmOf(h, realm, 3, { messaging: LIMITS }) as [RealmNode, RealmNode]
    await receiver.subscribe(SUBJECT, (m) => { delivered.push(new TextDecoder().decode(m.data.subarray(0, 16))) }, { maxMessageBytes: MAX_DATA })
  })
  after(async () => { await h.stopAll() })

  test('seq 2, 3, ... and never 1: the stream is reset with MESSAGE_BUDGET_EXCEEDED at the window\'s bytes, it is an offence, and nothing stays held', async () => {
    const attacker = await member()
    const before = score(attacker)
    const raw = await Raw.open(attacker, receiver)
    const taken = await raw.flood(FRAME)
    assert.deepEqual(raw.codes, ['MESSAGE_BUDGET_EXCEEDED'])
    assert.equal(raw.maxData, MAX_DATA, 'the receiver announced its own limit')
    // three frames waited in the 1 MiB window; the fourth would have passed it
    assert.ok(taken >= 3, `the stream took ${taken} frames`)
    assert.equal(held(), 0, 'everything the stream held was given back with the reset')
    assert.ok(score(attacker) <= before - 9, `a MESSAGE_BUDGET offence (score ${before} -> ${score(attacker)})`)
  })

  test('streams that each stay inside the window pass the sender\'s budget together: the one that would pass it is reset', async () => {
    const attacker = await member()
    const streams = await Promise.all(Array.from({ length: 6 }, async () => Raw.open(attacker, receiver)))
    let most = 0
    // three frames each: 768 KiB and a little waiting per stream, six of them would be 4.5 MiB
    await Promise.allSettled(streams.map(async (raw) => {
      await raw.send(2n, 4n, FRAME)
      most = Math.max(most, held())
    }))
    await Promise.race(streams.map(async raw => raw.ended))
    const reset = streams.filter(raw => raw.codes.includes('MESSAGE_BUDGET_EXCEEDED'))
    assert.equal(reset.length, 1, 'one stream passed the budget')
    assert.ok(most <= LIMITS.maxPeerBytes, `held ${most} bytes for one sender`)
    assert.ok(held() <= LIMITS.maxPeerBytes)
    // the others still wait for seq 1; when they end, the receiver holds nothing more
    for (const raw of streams) raw.stream.abort(new Error('done'))
    await settled(() => held() === 0, 'the receiver to give back what the streams held')
  })

  test('the node\'s budget is shared: a sender that would pass it is reset with BUSY, not counted against it', async () => {
    const [a, b] = await Promise.all([member(), member()])
    // a holds 3 MiB (four streams of 768 KiB), under its own budget
    const first = await Promise.all(Array.from({ length: 4 }, async () => Raw.open(a, receiver)))
    await Promise.all(first.map(async raw => raw.send(2n, 4n, FRAME)))
    const scoreB = score(b)
    const second = await Promise.all(Array.from({ length: 5 }, async () => Raw.open(b, receiver)))
    await Promise.allSettled(second.map(async raw => raw.send(2n, 4n, FRAME)))
    await Promise.race(second.map(async raw => raw.ended))
    const codes = second.flatMap(raw => raw.codes)
    assert.ok(codes.length > 0 && codes.every(code => code === 'BUSY'), `b's streams reset with BUSY: ${codes.join(', ')}`)
    assert.ok(held() <= LIMITS.maxNodeBytes)
    assert.ok(score(b) >= scoreB, 'the node\'s budget is no offence')
    for (const raw of [...first, ...second]) raw.stream.abort(new Error('done'))
    await settled(() => held() === 0, 'the receiver to give back what the streams held')
  })

  test('a frame above max_data and a frame\'s slack is refused at its length prefix; one within the slack is refused in its turn (MESSAGE_TOO_LARGE)', async () => {
    const attacker = await member()
    const raw = await Raw.open(attacker, receiver)
    // too large by a little: it waits (seq 3) as a refusal, answered in its turn
    await raw.send(3n, 3n, MAX_DATA + 100)
    await raw.send(4n, 4n, 1000)
    await raw.send(2n, 2n, 10)
    await raw.send(1n, 1n, 10)
    await until(() => raw.acks.length >= 4, [raw], ['reply'], { what: 'four acks' })
    assert.deepEqual(raw.acks.map(a => [a.seq, a.status, a.code]), [[1n, MessageAck.Status.DELIVERED, ''], [2n, MessageAck.Status.DELIVERED, ''], [3n, MessageAck.Status.REJECTED, 'MESSAGE_TOO_LARGE'], [4n, MessageAck.Status.DELIVERED, '']])
    // a length prefix past max_data + slack: refused before any of the frame is buffered
    const before = score(attacker)
    raw.stream.send(lengthPrefix(MAX_DATA + MESSAGE_FRAME_SLACK + 1))
    await raw.ended
    assert.deepEqual(raw.codes, [], 'a reset, no answer')
    assert.ok(score(attacker) <= before - 19, 'FRAME_TOO_LARGE')
    assert.equal(held(), 0)
  })

  test('a frame that never arrives whole holds memory too: it is counted from its first byte, and charged to its sender', async () => {
    const attacker = await member()
    const streams = await Promise.all(Array.from({ length: 20 }, async () => Raw.open(attacker, receiver)))
    // each announces a frame of max_data and sends all of it but its last byte: no frame is ever whole
    for (const raw of streams) {
      raw.stream.send(lengthPrefix(MAX_DATA))
      raw.stream.send(new Uint8Array(MAX_DATA - 1))
    }
    await Promise.race(streams.map(async raw => raw.ended))
    assert.ok(held() <= LIMITS.maxPeerBytes)
    assert.ok(streams.some(raw => raw.codes.includes('MESSAGE_BUDGET_EXCEEDED')), 'reset although no frame arrived whole')
    for (const raw of streams) raw.stream.abort(new Error('done'))
    await settled(() => held() === 0, 'the receiver to give back what the streams held')
  })

  test('a session that comes back after its stream was reset goes on where it was, with nothing held from before', async () => {
    const attacker = await member()
    const s = Raw.session(attacker, receiver)
    const raw = await Raw.open(attacker, receiver, s)
    await raw.flood(FRAME)
    assert.equal(held(), 0)
    const again = await Raw.open(attacker, receiver, s)
    await again.send(1n, 1n, 16)
    await until(() => again.acks.length > 0, [again], ['reply'], { what: 'an ack' })
    assert.deepEqual(again.acks.map(a => [a.seq, a.status]), [[1n, MessageAck.Status.DELIVERED]])
    again.stream.abort(new Error('done'))
  })

  test('a member that keeps at it is banned; an honest sender is delivered to all along', async () => {
    const attacker = await member()
    const banned = nextEvent<{ peer: string }>(receiver, 'peer:banned', d => d.peer === attacker.node.peerId.toString(), { timeoutMs: 30_000 })
    let resets = 0
    while (!receiver.guard.isBanned(attacker.node.peerId.toString())) {
      const raw = await Raw.open(attacker, receiver).catch(() => undefined)
      if (raw == null) break
      await raw.flood(FRAME)
      resets++
      assert.equal((await honest.publish(SUBJECT, text(`honest ${resets}`), { ack: 'destination' })).results?.[0]?.status, 'delivered')
    }
    await banned
    assert.ok(resets <= 11, `banned after ${resets} resets`)
    assert.ok(delivered.includes(`honest ${resets}`.slice(0, 16)))
    assert.equal(held(), 0)
  })
})
