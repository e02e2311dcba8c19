// The daemon's accounting log on real files: one line per record, appended in order, rotated once
// a file would pass maxBytes (at most `files` kept, so the log is bounded), and read back oldest
// first by `realmesh accounting`, with --since.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AccountingLog, readAccounting } from '../src/daemon/accounting-log.js'
import { accounting } from '../src/commands/accounting.js'
import { RecordingIo, TempDirs } from './helpers.js'

describe('accounting log', () => {
  const temp = new TempDirs()
  after(async () => { await temp.cleanup() })

  test('appends one line per record; rotates at maxBytes keeping `files`; reads back oldest first', async () => {
    const dir = await temp.make()
    const errors: unknown[] = []
    const log = new AccountingLog({ dir, maxBytes: 2048, files: 3 }, (err) => { errors.push(err) })
    const record = (n: number): object => ({ kind: 'message', at: 1_000 + n, direction: 'in', subject: 's', identity: 'I', peer: 'P', bytes: n, messages: 1, id: String(n).padStart(32, '0') })
    for (let n = 1; n <= 100; n++) {
      log.append(record(n))
      // a write per batch: some records each turn of the event loop
      if (n % 10 === 0) await log.flush()
    }
    await log.flush()
    assert.deepEqual(errors, [])
    const files = (await readdir(dir)).sort()
    assert.deepEqual(files, ['accounting.log', 'accounting.log.1', 'accounting.log.2'], 'rotated, and no more than 3 files kept')
    for (const file of files) assert.ok((await stat(join(dir, file))).size <= 2048, `${file} within maxBytes`)
    const back = await readAccounting(dir)
    const ns = back.map(r => r.bytes as number)
    assert.deepEqual(ns, Array.from({ length: ns.length }, (_, i) => 101 - ns.length + i), 'the newest records, in order, none twice')
    assert.ok(ns.length > 20 && ns.length < 100, `what 3 files of 2 KiB hold (${ns.length})`)
  })

  test('realmesh accounting: text with totals, --json lines, --since; a line cut short is skipped', async () => {
    const dir = await temp.make()
    const now = Date.now()
    const lines = [
      { kind: 'message', at: now - 3_600_000, direction: 'in', subject: 'old', identity: '12D3KooWOld', peer: 'p', bytes: 1, messages: 1, id: 'x' },
      { kind: 'message', at: now - 1_000, direction: 'in', subject: 'orders', identity: '12D3KooWSender', peer: 'p', bytes: 5, messages: 1, id: 'y' },
      { kind: 'message', at: now - 500, direction: 'out', subject: 'orders', identity: '12D3KooWReceiver', peer: 'p', bytes: 7, messages: 1, id: 'z' },
      { kind: 'authorize', at: now - 100, member: 'm', subject: 'orders', identity: '12D3KooWBad', send: true, receive: false, code: 'SUBJECT_DENIED_BY_LEADER' }
    ]
    await writeFile(join(dir, 'accounting.log'), lines.map(l => JSON.stringify(l)).join('\n') + '\n{"kind":"mess')
    const io = new RecordingIo()
    assert.equal(await accounting(['--dir', dir, '--since', '10m'], io), 0)
    assert.equal(io.stdout.length, 1 + 3 + 2, io.stdout.join('\n'))
    assert.match(io.stdout[1] ?? '', / message +in +orders +\.\.\.\w+ +5$/)
    assert.match(io.stdout[3] ?? '', / authorize +send +orders .* SUBJECT_DENIED_BY_LEADER$/)
    assert.deepEqual(io.stdout.slice(4), ['in: 1 messages, 5 bytes', 'out: 1 messages, 7 bytes'])
    const json = new RecordingIo()
    assert.equal(await accounting(['--dir', dir, '--json'], json), 0)
    assert.deepEqual(json.stdout.map(l => JSON.parse(l) as object), lines)
    await assert.rejects(accounting(['--dir', dir, '--since', 'yesterday-ish'], new RecordingIo()), { code: 'USAGE' })
  })
})
