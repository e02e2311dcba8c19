// Sealed message data: what opens, and that any change to the sealed bytes, the authenticated
// header fields, the seq, the session or the keys is UndecryptableError (MESSAGE_UNDECRYPTABLE).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { MessageData, UndecryptableError, openData, receiverSessionKey, sealData, senderSessionKey, x25519FromEd25519Public, x25519FromEd25519Seed, x25519PublicKey, x25519Raw } from '../src/index.js'
import { sealingInputs } from './vector-cases.js'
import type { KeyObject } from 'node:crypto'

const undecryptable = (fn: () => unknown, what: string): void => {
  assert.throws(fn, (err: Error & { code?: string }) => err instanceof UndecryptableError && err.code === 'MESSAGE_UNDECRYPTABLE', what)
}

async function pair (): Promise<{ input: Awaited<ReturnType<typeof sealingInputs>>, sender: KeyObject, receiver: KeyObject, ephemeral: Uint8Array }> {
  const input = await sealingInputs()
  const { ephemeral, key } = senderSessionKey(x25519FromEd25519Seed(input.sender.seed), x25519PublicKey(x25519FromEd25519Public(input.receiver.edPublic)), input.session)
  const receiver = receiverSessionKey(x25519FromEd25519Seed(input.receiver.seed), x25519PublicKey(x25519FromEd25519Public(input.sender.edPublic)), input.session, ephemeral)
  return { input, sender: key, receiver, ephemeral }
}

test('sealing: both ends agree on the session key; the data opens; the ciphertext does not contain it; a resend seals to the same bytes', async () => {
  const { input, sender, receiver } = await pair()
  assert.deepEqual(receiver.export(), sender.export())
  const data = new TextEncoder().encode('the plaintext '.repeat(10))
  const { ciphertext, tag } = sealData(sender, 3n, input.header, data)
  assert.equal(ciphertext.byteLength, data.byteLength)
  assert.equal(tag.byteLength, 16)
  assert.ok(!Buffer.from(ciphertext).includes(Buffer.from('plaintext')))
  const sealed = Buffer.concat([ciphertext, tag])
  assert.deepEqual(openData(receiver, 3n, input.header, sealed), data)
  const again = sealData(sender, 3n, input.header, data)
  assert.deepEqual(Buffer.concat([again.ciphertext, again.tag]), sealed)
  // another seq of the same session: other bytes
  assert.notDeepEqual(Buffer.from(sealData(sender, 4n, input.header, data).ciphertext), Buffer.from(ciphertext))
  assert.deepEqual(openData(receiver, 5n, input.header, Buffer.concat(Object.values(sealData(sender, 5n, input.header, new Uint8Array(0))))), new Uint8Array(0), 'empty data')
})

test('sealing: a flipped bit anywhere, another seq, header field, session, subject or identity does not open', async () => {
  const { input, sender, receiver, ephemeral } = await pair()
  const data = new TextEncoder().encode('hello')
  const { ciphertext, tag } = sealData(sender, 9n, input.header, data)
  const sealed = new Uint8Array(Buffer.concat([ciphertext, tag]))
  for (let i = 0; i < sealed.byteLength; i++) {
    const tampered = sealed.slice()
    tampered[i] = (tampered[i] as number) ^ 1
    undecryptable(() => openData(receiver, 9n, input.header, tampered), `bit flipped in byte ${i}`)
  }
  undecryptable(() => openData(receiver, 8n, input.header, sealed), 'another seq')
  undecryptable(() => openData(receiver, 9n, { ...input.header, id: new Uint8Array(16) }, sealed), 'another id')
  undecryptable(() => openData(receiver, 9n, { ...input.header, expiresAtMs: input.header.expiresAtMs + 1n }, sealed), 'another expiry')
  undecryptable(() => openData(receiver, 9n, { ...input.header, ack: MessageData.AckMode.NONE }, sealed), 'another ack mode')
  undecryptable(() => openData(receiver, 9n, { ...input.header, replySubject: 'elsewhere' }, sealed), 'another reply subject')
  undecryptable(() => openData(receiver, 9n, input.header, sealed.subarray(0, 15)), 'shorter than a tag')
  const receiverKey = x25519FromEd25519Seed(input.receiver.seed)
  const senderPublic = x25519PublicKey(x25519FromEd25519Public(input.sender.edPublic))
  const other = { ...input.session, session: new Uint8Array(16).fill(1) }
  undecryptable(() => openData(receiverSessionKey(receiverKey, senderPublic, other, ephemeral), 9n, input.header, sealed), 'another session')
  undecryptable(() => openData(receiverSessionKey(receiverKey, senderPublic, { ...input.session, subjectKey: new Uint8Array(32) }, ephemeral), 9n, input.header, sealed), 'another subject')
  // a third identity that gets the stream's bytes: its own key gives another session key
  const third = x25519FromEd25519Seed(new Uint8Array(32).fill(7))
  undecryptable(() => openData(receiverSessionKey(third, senderPublic, input.session, ephemeral), 9n, input.header, sealed), 'a third identity')
  // a sender that claims another identity (its ss half is not the real sender's)
  undecryptable(() => openData(receiverSessionKey(receiverKey, x25519PublicKey(x25519Raw(third)), input.session, ephemeral), 9n, input.header, sealed), 'another sender identity')
})

test('sealing: message attributes are authenticated: none added, removed, changed, or moved to or from the reply subject; without them the bytes are as before', async () => {
  const { input, sender, receiver } = await pair()
  const data = new TextEncoder().encode('with attributes')
  const header = { ...input.header, replySubject: 'r', attrs: new Map([['stage', 'prod'], ['a', 'x']]) }
  const sealed = Buffer.concat(Object.values(sealData(sender, 4n, header, data)))
  assert.deepEqual(openData(receiver, 4n, header, sealed), data)
  assert.deepEqual(openData(receiver, 4n, { ...header, attrs: new Map([['a', 'x'], ['stage', 'prod']]) }, sealed), data, 'the order they come in does not matter')
  undecryptable(() => openData(receiver, 4n, { ...header, attrs: undefined }, sealed), 'attributes stripped (what a receiver that does not read them sees)')
  undecryptable(() => openData(receiver, 4n, { ...header, attrs: new Map([['stage', 'test'], ['a', 'x']]) }, sealed), 'a value changed')
  undecryptable(() => openData(receiver, 4n, { ...header, attrs: new Map([['stage', 'prod']]) }, sealed), 'one removed')
  undecryptable(() => openData(receiver, 4n, { ...header, replySubject: 'r\u0000', attrs: new Map([['stage', 'prod'], ['a', 'x']]) }, sealed), 'a byte moved into the reply subject')
  const plain = Buffer.concat(Object.values(sealData(sender, 5n, input.header, data)))
  assert.deepEqual(Buffer.concat(Object.values(sealData(sender, 5n, { ...input.header, attrs: new Map() }, data))), plain, 'no attributes: the same bytes as before they existed')
  undecryptable(() => openData(receiver, 5n, { ...input.header, attrs: new Map([['stage', 'prod']]) }, plain), 'attributes added')
})

test('sealing: unusable keys are UndecryptableError, never a key from known inputs', async () => {
  const { input } = await pair()
  const receiverKey = x25519FromEd25519Seed(input.receiver.seed)
  const senderPublic = x25519PublicKey(x25519FromEd25519Public(input.sender.edPublic))
  // low-order X25519 points (0, 1, and one of order 8) as the ephemeral key
  for (const hex of ['00'.repeat(32), '01' + '00'.repeat(31), 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800']) {
    undecryptable(() => receiverSessionKey(receiverKey, senderPublic, input.session, Buffer.from(hex, 'hex')), `ephemeral ${hex}`)
  }
  // Ed25519 encodings with y = 1 (the neutral point), y >= p, or the wrong length
  undecryptable(() => x25519FromEd25519Public(Buffer.from('01' + '00'.repeat(31), 'hex')), 'y = 1')
  undecryptable(() => x25519FromEd25519Public(Buffer.from('ed' + 'ff'.repeat(30) + '7f', 'hex')), 'y = p')
  undecryptable(() => x25519FromEd25519Public(new Uint8Array(31)), '31 bytes')
  // a random X25519 key pair agrees like any other
  const ephemeral = x25519Raw(generateKeyPairSync('x25519').privateKey)
  assert.equal(receiverSessionKey(receiverKey, senderPublic, input.session, ephemeral).symmetricKeySize, 32)
})
