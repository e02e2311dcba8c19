import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { generateNodeKey, readKeyFile, readOrCreateKeyFile, writeKeyFile } from '../src/index.js'
import { rejectsWith } from './fixtures.js'

const posix = process.platform !== 'win32'

describe('key files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'realmesh-token-keys-'))
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  test('generateNodeKey makes distinct Ed25519 keys', async () => {
    const a = await generateNodeKey()
    const b = await generateNodeKey()
    assert.equal(a.type, 'Ed25519')
    assert.ok(!a.equals(b))
  })

  test('round trip: write then read gives the same key', async () => {
    const key = await generateNodeKey()
    const path = join(dir, 'round-trip.key')
    await writeKeyFile(path, key)
    const back = await readKeyFile(path)
    assert.ok(back.equals(key))
    assert.ok(back.publicKey.equals(key.publicKey))
    const text = await readFile(path, 'utf8')
    assert.match(text, /^[A-Za-z0-9+/]+={0,2}\n$/, 'one base64 line')
  })

  test('the file has mode 0600 after write', { skip: !posix }, async () => {
    const path = join(dir, 'mode.key')
    await writeKeyFile(path, await generateNodeKey())
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  test('a missing parent directory is created with mode 0700', { skip: !posix }, async () => {
    const path = join(dir, 'nested', 'deeper', 'node.key')
    await writeKeyFile(path, await generateNodeKey())
    assert.equal((await stat(join(dir, 'nested', 'deeper'))).mode & 0o777, 0o700)
  })

  test('an existing file is refused without overwrite, replaced with it', async () => {
    const path = join(dir, 'exists.key')
    const first = await generateNodeKey()
    const second = await generateNodeKey()
    await writeKeyFile(path, first)
    const err = await rejectsWith(async () => writeKeyFile(path, second), 'KeyFileError', 'KEY_FILE_EXISTS')
    assert.equal(err.path, path)
    assert.ok((await readKeyFile(path)).equals(first), 'the old key is untouched')
    await writeKeyFile(path, second, { overwrite: true })
    assert.ok((await readKeyFile(path)).equals(second))
  })

  test('no temporary file is left behind', async () => {
    const sub = await mkdtemp(join(dir, 'tmp-'))
    const path = join(sub, 'a.key')
    await writeKeyFile(path, await generateNodeKey())
    await rejectsWith(async () => writeKeyFile(path, await generateNodeKey()), 'KeyFileError', 'KEY_FILE_EXISTS')
    const { readdir } = await import('node:fs/promises')
    assert.deepEqual(await readdir(sub), ['a.key'])
  })

  test('a 0644 key file is refused with KEY_FILE_PERMISSIONS', { skip: !posix }, async () => {
    const path = join(dir, 'open.key')
    await writeKeyFile(path, await generateNodeKey())
    await chmod(path, 0o644)
    const err = await rejectsWith(async () => readKeyFile(path), 'KeyFileError', 'KEY_FILE_PERMISSIONS')
    assert.equal(err.path, path)
    await chmod(path, 0o640)
    await rejectsWith(async () => readKeyFile(path), 'KeyFileError', 'KEY_FILE_PERMISSIONS')
    await chmod(path, 0o600)
    await readKeyFile(path)
  })

  test('a missing file is KEY_FILE_NOT_FOUND', async () => {
    const path = join(dir, 'nope.key')
    const err = await rejectsWith(async () => readKeyFile(path), 'KeyFileError', 'KEY_FILE_NOT_FOUND')
    assert.equal(err.path, path)
  })

  test('garbage is KEY_FILE_MALFORMED', async () => {
    const cases: Record<string, string> = {
      'not-base64.key': 'this is not a key\n',
      'not-protobuf.key': `${Buffer.from('hello world').toString('base64')}\n`,
      'empty.key': ''
    }
    for (const [name, content] of Object.entries(cases)) {
      const path = join(dir, name)
      await writeFile(path, content, { mode: 0o600 })
      await rejectsWith(async () => readKeyFile(path), 'KeyFileError', 'KEY_FILE_MALFORMED')
    }
  })

  test('a non-Ed25519 key is KEY_FILE_MALFORMED', async () => {
    const { privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
    const path = join(dir, 'secp.key')
    const key = await generateKeyPair('secp256k1')
    await writeFile(path, Buffer.from(privateKeyToProtobuf(key)).toString('base64'), { mode: 0o600 })
    await rejectsWith(async () => readKeyFile(path), 'KeyFileError', 'KEY_FILE_MALFORMED')
  })

  test('readOrCreateKeyFile creates once, then reads the same key', async () => {
    const path = join(dir, 'auto', 'node.key')
    const [a, b] = await Promise.all([readOrCreateKeyFile(path), readOrCreateKeyFile(path)])
    assert.ok(a.equals(b), 'concurrent creators agree on one key')
    assert.ok((await readOrCreateKeyFile(path)).equals(a))
  })
})
