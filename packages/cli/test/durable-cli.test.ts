// The durable subscription verbs against real daemons' control APIs (in this process):
// subscribe --durable stores while detached and prints what it missed in order, then live
// messages; subscriptions lists them; --ack app acks what reached stdout, and what a consumer did
// not ack comes again; a newer consumer takes over; unsubscribe deletes; bad input is refused.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { until } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { ControlApi, runCli, statusRoutes, subjectRoutes } from '../src/index.js'
import { durableRoutes } from '../src/api/routes/durable.js'
import { RecordingIo, errorCode } from './helpers.js'
import type { Testnet } from '@realmesh/testnet'
import type { RealmNode } from '@realmesh/node'

/** a RecordingIo that says when a line was written, so tests wait on that */
class WatchedIo extends RecordingIo {
  readonly lines = new EventTarget()
  override out = (line: string): void => { this.stdout.push(line); this.lines.dispatchEvent(new Event('line')) }
  override err = (line: string): void => { this.stderr.push(line); this.lines.dispatchEvent(new Event('line')) }

  async line (pattern: RegExp, what: string): Promise<void> {
    await until(() => [...this.stdout, ...this.stderr].some(l => pattern.test(l)), [this.lines], ['line'], { what, timeoutMs: 20_000 })
  }

  async stdoutLines (n: number): Promise<void> {
    await until(() => this.stdout.length >= n, [this.lines], ['line'], { what: `${n} lines`, timeoutMs: 20_000 })
  }
}

interface Listed { subscriptions: Array<{ name: string, subject: string, stored: number, pending: number, bytes: number, attached: boolean, dropped: Record<string, number> }> }

describe('durable subscriptions through the control API', () => {
  let net: Testnet
  let apiA: ControlApi
  let apiB: ControlApi
  const target = (api: ControlApi): string[] => ['--api', new URL(api.url).host]
  const env = (api: ControlApi): Record<string, string> => ({ REALMESH_API_TOKEN: api.token })

  async function publish (subject: string, data: string): Promise<void> {
    const io = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', subject, data, ...target(apiB), '--ack'], io), 0, io.stderr.join('\n'))
    assert.match(io.stdout.join('\n'), /^delivered /)
  }

  async function listed (): Promise<Listed> {
    const io = new RecordingIo(env(apiA))
    assert.equal(await runCli(['subscriptions', ...target(apiA), '--json'], io), 0, io.stderr.join('\n'))
    return JSON.parse(io.stdout.join('\n')) as Listed
  }

  /** `subscribe SUBJECT --durable NAME ...` running until stopped */
  async function attach (subject: string, name: string, flags: string[] = []): Promise<{ io: WatchedIo, running: Promise<number> }> {
    const io = new WatchedIo(env(apiA))
    const running = runCli(['subscribe', subject, '--durable', name, ...target(apiA), '--json', ...flags], io)
    await io.line(new RegExp(`^subscribed to ${subject} as durable ${name}: `), 'the subscription')
    return { io, running }
  }

  const data = (io: RecordingIo): string[] => io.stdout.map(l => (JSON.parse(l) as { data: string }).data)

  before(async () => {
    net = await createTestnet({ size: 2, transport: 'tcp' })
    await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
    const [nodeA, nodeB] = net.nodes as [RealmNode, RealmNode]
    apiA = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('node', nodeA), ...subjectRoutes(nodeA), ...durableRoutes(nodeA)] })
    apiB = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('node', nodeB), ...subjectRoutes(nodeB)] })
  })
  after(async () => {
    await Promise.all([apiA.stop(), apiB.stop()])
    await net.stop()
  })

  test('detached, the daemon stores and acks; attached again, the command prints what it missed in order, then live ones', async () => {
    const first = await attach('ledger', 'd1')
    first.io.stop()
    assert.equal(await first.running, 0)
    for (const i of [1, 2, 3]) await publish('ledger', `m${i}`)
    const before = (await listed()).subscriptions.find(s => s.name === 'd1')
    assert.equal(before?.stored, 3)
    assert.equal(before?.pending, 3)
    assert.equal(before?.attached, false)
    const table = new RecordingIo(env(apiA))
    assert.equal(await runCli(['subscriptions', ...target(apiA)], table), 0)
    assert.match(table.stdout[0] ?? '', /^NAME\s+SUBJECT\s+STORED\s+PENDING\s+BYTES\s+OLDEST\s+DROPPED\s+CONSUMER$/)
    assert.match(table.stdout[1] ?? '', /^d1\s+ledger\s+3\s+3\s+6\s+\S+ s ago\s+-\s+none$/)

    const second = await attach('ledger', 'd1')
    assert.match(second.io.stderr.join('\n'), /as durable d1: 3 stored, 3 not consumed/)
    await second.io.stdoutLines(3)
    await publish('ledger', 'm4')
    await second.io.stdoutLines(4)
    assert.deepEqual(data(second.io), ['m1', 'm2', 'm3', 'm4'])
    const lines = second.io.stdout.map(l => JSON.parse(l) as { durable: string, seq: number, senderSeq: number, from: string, receivedAt: string })
    assert.deepEqual(lines.map(l => l.seq), [1, 2, 3, 4])
    assert.ok(lines.every(l => l.durable === 'd1' && !Number.isNaN(Date.parse(l.receivedAt))))
    second.io.stop()
    assert.equal(await second.running, 0)
    assert.equal((await listed()).subscriptions.find(s => s.name === 'd1')?.pending, 0)
    // --from-start: everything kept, consumed or not
    const replay = await attach('ledger', 'd1', ['--from-start'])
    await replay.io.stdoutLines(4)
    assert.deepEqual(data(replay.io), ['m1', 'm2', 'm3', 'm4'])
    replay.io.stop()
    assert.equal(await replay.running, 0)
  })

  test('--ack app: what reached stdout is acked; what a consumer got but did not ack comes again', async () => {
    const created = await attach('tasks', 'd2', ['--ack', 'app'])
    created.io.stop()
    await created.running
    for (const i of [1, 2]) await publish('tasks', `t${i}`)
    // a consumer that reads the lines and never acks (a command killed before its acks went out)
    const controller = new AbortController()
    const res = await fetch(`${apiA.url}/durable/d2/subscribe`, { method: 'POST', headers: { authorization: `Bearer ${apiA.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'tasks', ack: 'app' }), signal: controller.signal })
    let text = ''
    for await (const chunk of res.body ?? []) {
      text += Buffer.from(chunk).toString('utf8')
      if (text.split('\n').filter(l => l.includes('"type":"message"')).length === 2) break
    }
    controller.abort()
    const again = await attach('tasks', 'd2', ['--ack', 'app'])
    await again.io.stdoutLines(2)
    assert.deepEqual(data(again.io), ['t1', 't2'])
    again.io.stop()
    assert.equal(await again.running, 0)
    // the command acked both before it exited
    assert.equal((await listed()).subscriptions.find(s => s.name === 'd2')?.pending, 0, again.io.stderr.join('\n'))
  })

  test('a second command attaching takes over: the first ends with DURABLE_DETACHED (exit 1)', async () => {
    const first = await attach('shared', 'd3')
    const second = await attach('shared', 'd3')
    assert.equal(await first.running, 1)
    assert.equal(errorCode(first.io), 'DURABLE_DETACHED')
    await publish('shared', 'to the second')
    await second.io.stdoutLines(1)
    assert.deepEqual(data(second.io), ['to the second'])
    second.io.stop()
    assert.equal(await second.running, 0)
  })

  test('unsubscribe deletes the subscription and what it stored; bad input is refused with its code', async () => {
    const io = new RecordingIo(env(apiA))
    assert.equal(await runCli(['unsubscribe', 'd1', ...target(apiA)], io), 0, io.stderr.join('\n'))
    assert.deepEqual(io.stdout, ['unsubscribed d1: 4 stored messages deleted'])
    assert.equal((await listed()).subscriptions.some(s => s.name === 'd1'), false)
    const again = new RecordingIo(env(apiA))
    assert.equal(await runCli(['unsubscribe', 'd1', ...target(apiA)], again), 1)
    assert.equal(errorCode(again), 'DURABLE_UNKNOWN')
    const cases: Array<{ argv: string[], code: string }> = [
      { argv: ['subscribe', 'x', '--from-start'], code: 'USAGE' },
      { argv: ['subscribe', 'x', '--durable', 'n', '--ack', 'destination'], code: 'USAGE' },
      { argv: ['subscribe', 'x', '--durable', '../n'], code: 'DURABLE_NAME_INVALID' },
      { argv: ['subscribe', 'other', '--durable', 'd2'], code: 'DURABLE_CONFLICT' },
      { argv: ['unsubscribe', '../n'], code: 'DURABLE_NAME_INVALID' },
      { argv: ['unsubscribe'], code: 'USAGE' }
    ]
    for (const c of cases) {
      const bad = new WatchedIo(env(apiA))
      assert.equal(await runCli([...c.argv, ...target(apiA)], bad), 1, c.argv.join(' '))
      assert.equal(errorCode(bad), c.code, `${c.argv.join(' ')}: ${bad.stderr.join('\n')}`)
    }
    const ack = await fetch(`${apiA.url}/durable/d2/ack`, { method: 'POST', headers: { authorization: `Bearer ${apiA.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ consumer: 'x', seqs: [0] }) })
    assert.equal(ack.status, 400)
    const stale = await fetch(`${apiA.url}/durable/d2/ack`, { method: 'POST', headers: { authorization: `Bearer ${apiA.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ consumer: 'x', seqs: [1] }) })
    assert.equal(stale.status, 409)
    assert.equal(((await stale.json()) as { code: string }).code, 'DURABLE_DETACHED')
    assert.deepEqual((await listed()).subscriptions.map(s => s.name), ['d2', 'd3'])
  })
})
