import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../src/index.js'
import { RecordingIo } from './helpers.js'

describe('realmesh demo', () => {
  test('a leader and 3 nodes on the in-memory transport: everyone joined, routing tables full, exit 0', async () => {
    const io = new RecordingIo()
    const started = performance.now()
    const code = await runCli(['demo', '--nodes', '3', '--transport', 'memory'], io)
    assert.equal(code, 0, io.stderr.join('\n'))
    assert.match(io.stdout[0] ?? '', /^realm demo \(\S+\): ready in /)
    const rows = io.stdout.slice(2)
    assert.equal(rows.length, 4)
    for (const row of rows) assert.match(row, /^(leader|node \d)\s+\.\.\.\S{8}\s+yes\s+3\s+3$/)
    assert.ok(performance.now() - started < 60_000)
  })

  test('a bad --transport is a usage error', async () => {
    const io = new RecordingIo()
    assert.equal(await runCli(['demo', '--transport', 'carrier-pigeon'], io), 1)
    assert.match(io.stderr[0] ?? '', /^error USAGE: --transport: expected one of tcp, memory/)
  })
})
