// Issue 19, item 8, against real nodes: subject message data is sealed for the receiver identity.
// The bytes a receiver's node gets on a message stream (read by a handler of the test's own in
// place of the node's: a member that may open the stream, without the identity's key) hold none of
// the plaintext; a third identity's key does not open them, the receiver identity's does. A sealed
// message changed on the way (ciphertext, tag, an authenticated header field) or sealed for another
// identity is refused with MESSAGE_UNDECRYPTABLE, counted against its sender, and the stream goes on;
// a stream whose ephemeral key gives no session key is refused with the same code.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateNodeKey } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, MessageAck, MessageData, MessageOpen, MessageReply, UndecryptableError, openData } from '@realmesh/wire'
import { until } from '../src/index.js'
import { SealKeys } from '../src/messaging/seal-keys.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { str, text } from './subjects-fixtures.js'
import { Raw, session } from './raw-sender.js'
import type { Realm } from './fixtures.js'
import type { RealmNode } from '../src/index.js'
import type { Member } from './raw-sender.js'
import type { PrivateKey, Stream } from '@libp2p/interface'

/** what a capturing receiver saw on one stream: every byte as it arrived, the open, the data frames */
interface Captured { bytes: Uint8Array[], open?: MessageOpen, frames: MessageData[] }

describe('sealed message data', () => {
  const h = new Harness()
  let realm: Realm
  let nodes: RealmNode[]
  const keys = new Map<RealmNode, PrivateKey>()

  /** a node whose key the test keeps, joined through the first node */
  async function member (): Promise<Member> {
    const key = await generateNodeKey()
    const token = await realm.issue(key)
    const node = await h.node(realm, { privateKey: key, nodeToken: token, bootstrap: nodes.length === 0 ? [] : addrs(nodes[0] as RealmNode).map(String) })
    if (nodes.length > 0) await node.whenJoined({ signal: AbortSignal.timeout(10_000) })
    nodes.push(node)
    keys.set(node, key)
    return { node, token, key }
  }

  before(async () => {
    realm = await makeRealm()
    nodes = []
    for (let i = 0; i < 4; i++) await member()
    await until(() => nodes.every(node => node.status().routingTable >= nodes.length - 1), nodes, ['routing:changed'], { what: 'full routing tables' })
  })
  after(async () => { await h.stopAll() })

  test('the bytes on a receiver\'s message stream hold no plaintext; a third identity\'s key does not open them, the receiver identity\'s does', async () => {
    const [receiver, sender, third] = nodes as [RealmNode, RealmNode, RealmNode]
    const subject = 'sealed-tap'
    await receiver.subscribe(subject, () => {})
    // the receiver's node gets the stream, but a handler of ours reads it: every byte as it arrives
    const captured: Captured[] = []
    const events = new EventTarget()
    await receiver.unhandle(PROTOCOLS.message)
    await receiver.handle(PROTOCOLS.message, async (stream: Stream) => {
      const seen: Captured = { bytes: [], frames: [] }
      captured.push(seen)
      stream.addEventListener('message', (evt) => { seen.bytes.push(Uint8Array.from(evt.data.subarray())) })
      const frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: FRAME_LIMITS.message })
      try {
        seen.open = await frames.read(MessageOpen)
        await frames.write(MessageReply, { maxData: 1024 * 1024 })
        for (;;) {
          const data = await frames.read(MessageData)
          seen.frames.push(data)
          await frames.write(MessageReply, { acks: [{ seq: data.seq, id: data.id, status: MessageAck.Status.DELIVERED, code: '' }] })
          events.dispatchEvent(new Event('frame'))
        }
      } catch {
        // the stream ended
      }
    })
    const secrets = [1, 2, 3].map(i => `attack at dawn, message ${i} of the sealed subject`)
    // a large one goes as its frame's head and two sealed chunks: a pattern the bytes must not hold either
    const large = text('the large plaintext, repeated; '.repeat(2200))
    for (const secret of secrets) {
      const result = await sender.publish(subject, text(secret), { ack: 'destination' })
      assert.deepEqual(result.results?.map(r => r.status), ['delivered'])
    }
    assert.deepEqual((await sender.publish(subject, large, { ack: 'destination' })).results?.map(r => r.status), ['delivered'])
    await until(() => captured.flatMap(c => c.frames).length === 4, [events], ['frame'], { what: 'four data frames' })

    const stream = captured.find(c => c.frames.length > 0) as Captured
    const bytes = Buffer.concat(stream.bytes)
    for (const secret of [...secrets, 'attack at dawn', 'the large plaintext']) assert.equal(bytes.includes(Buffer.from(secret)), false, `the stream's bytes hold "${secret}"`)
    assert.deepEqual(stream.frames.map(f => f.data.byteLength), [...secrets.map(s => text(s).byteLength + 16), large.byteLength + 16], 'each message\'s data is its sealed length')

    const open = stream.open as MessageOpen
    const input = { subjectKey: open.key, session: open.session }
    // a member that gets the stream's bytes but holds another identity's key cannot open them
    const wrong = new SealKeys(keys.get(third) as PrivateKey).receiver(sender.peerId.toString(), input, open.ephemeral)
    for (const frame of stream.frames) assert.throws(() => openData(wrong, frame.seq, frame, frame.data), (err: Error & { code?: string }) => err instanceof UndecryptableError && err.code === 'MESSAGE_UNDECRYPTABLE')
    // the receiver identity's key opens every one: these bytes are the messages, sealed for it
    const right = new SealKeys(keys.get(receiver) as PrivateKey).receiver(sender.peerId.toString(), input, open.ephemeral)
    assert.deepEqual(stream.frames.map(frame => str(openData(right, frame.seq, frame, frame.data))), [...secrets, str(large)])
  })

  test('a sealed message changed on the way, or sealed for another identity, is refused with MESSAGE_UNDECRYPTABLE, counted against its sender; the stream goes on', async () => {
    const [, , third, receiver] = nodes as [RealmNode, RealmNode, RealmNode, RealmNode]
    const subject = 'sealed-tamper'
    const got: string[] = []
    await receiver.subscribe(subject, (m) => { got.push(str(m.data)) })
    // a member matched on the subject (it published there once), sending on streams of its own
    const attacker = await member()
    assert.deepEqual((await attacker.node.publish(subject, text('matched'), { ack: 'destination' })).results?.map(r => r.status), ['delivered'])
    const score = (): number => receiver.guard.scores.score(attacker.node.peerId.toString())
    const before = { score: score(), rejected: receiver.messageStats().rejected }

    const flip = (at: (data: Uint8Array) => number) => (frame: MessageData): MessageData => {
      const data = frame.data.slice()
      const i = at(data)
      data[i] = (data[i] as number) ^ 0x01
      return { ...frame, data }
    }
    const raw = await Raw.open(attacker, receiver, subject)
    await raw.sendData(1n, text('one'))
    await raw.sendData(2n, text('two'), flip(() => 0)) // a ciphertext bit
    await raw.sendData(3n, text('three'), flip(data => data.byteLength - 1)) // a tag bit
    await raw.sendData(4n, text('four'), frame => ({ ...frame, replySubject: 'elsewhere' }))
    await raw.sendData(5n, text('five'), frame => ({ ...frame, expiresAtMs: frame.expiresAtMs + 1000n }))
    await raw.sendData(6n, text('six'))
    await until(() => raw.acks.length >= 6, [raw], ['reply'], { what: 'six acks' })
    assert.deepEqual(raw.acks.map(a => [a.seq, a.status, a.code]), [
      [1n, MessageAck.Status.DELIVERED, ''],
      ...[2n, 3n, 4n, 5n].map(seq => [seq, MessageAck.Status.REJECTED, 'MESSAGE_UNDECRYPTABLE']),
      [6n, MessageAck.Status.DELIVERED, '']
    ])
    assert.deepEqual(raw.codes, [], 'the stream went on')

    // a session sealed for another identity (the member holds the wrong key for this receiver)
    const misdirected = await Raw.open(attacker, receiver, subject, session(attacker, third, subject))
    await misdirected.sendData(1n, text('for someone else'))
    await until(() => misdirected.acks.length >= 1, [misdirected], ['reply'], { what: 'an ack' })
    assert.deepEqual(misdirected.acks.map(a => [a.status, a.code]), [[MessageAck.Status.REJECTED, 'MESSAGE_UNDECRYPTABLE']])

    // an ephemeral key no session key can be agreed with (a low-order point): the stream is refused
    const lowOrder = await Raw.request(attacker, receiver, subject, { id: Uint8Array.from(randomBytes(16)), ephemeral: new Uint8Array(32) })
    assert.equal(lowOrder.first.error?.code, 'MESSAGE_UNDECRYPTABLE')

    assert.deepEqual(got, ['matched', 'one', 'six'], 'only what opened reached the handler')
    assert.equal(receiver.messageStats().rejected, before.rejected + 5)
    assert.ok(score() <= before.score - 59, `six MESSAGE_UNDECRYPTABLE offences (score ${before.score} -> ${score()})`)
    for (const r of [raw, misdirected]) r.stream.abort(new Error('done'))
  })
})
