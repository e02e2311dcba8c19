import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageCases, signingCases } from './vector-cases.js'

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
