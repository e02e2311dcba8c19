import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageCases, sealingCases, sealingInputs, signingCases } from './vector-cases.js'
import { openData, receiverSessionKey, x25519FromEd25519Public, x25519FromEd25519Seed, x25519PublicKey, x25519Raw } from '../src/index.js'

const dir = join(import.meta.dirname, '..', '..', 'test', 'vectors')
const stored = (file: string): Record<string, string> => JSON.parse(readFileSync(join(dir, file), 'utf8'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

test('every message encodes to its golden bytes and decodes back', () => {
  const golden = stored('messages.json')
  assert.deepEqual(Object.keys(golden).sort(), messageCases.map(c => c.name).sort())
  for (const c of messageCases) {
    const want = golden[c.name]
    assert.equal(hex(c.codec.encode(c.message)), want, c.name)
    assert.deepEqual(c.codec.decode(new Uint8Array(Buffer.from(want ?? '', 'hex'))), c.message, c.name)
  }
})

test('every signed layout matches its golden bytes', async () => {
  const golden = stored('signing.json')
  for (const c of await signingCases()) {
    assert.equal(hex(c.bytes), golden[c.name], c.name)
  }
})

test('sealing: the identities\' X25519 keys, the session key and a sealed message match their golden bytes; the receiver opens it', async () => {
  const golden = stored('sealing.json')
  const cases = await sealingCases()
  assert.deepEqual(Object.keys(golden).sort(), cases.map(c => c.name).sort())
  for (const c of cases) assert.equal(hex(c.bytes), golden[c.name], c.name)
  assert.equal(golden.ephemeral, golden['ephemeral.check'])
  const input = await sealingInputs()
  // an identity's X25519 public key from its peer id is the public half of the X25519 key from its seed
  for (const who of [input.sender, input.receiver]) assert.equal(hex(x25519FromEd25519Public(who.edPublic)), hex(x25519Raw(x25519FromEd25519Seed(who.seed))))
  const key = receiverSessionKey(x25519FromEd25519Seed(input.receiver.seed), x25519PublicKey(x25519FromEd25519Public(input.sender.edPublic)), input.session, Buffer.from(golden.ephemeral ?? '', 'hex'))
  assert.equal(hex(key.export()), golden['session-key'])
  assert.deepEqual(openData(key, input.seq, input.header, Buffer.from(golden.sealed ?? '', 'hex')), input.data)
})
