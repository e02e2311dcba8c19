// The subject verbs against real daemons' control APIs (in this process): subscribe streams one
// JSON line per message, publish --ack waits for each receiver, send gets the peer's answer,
// a too-large message is refused with its code and the next one goes through.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { until } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { ControlApi, runCli, statusRoutes, subjectRoutes } from '../src/index.js'
import { RecordingIo } from './helpers.js'
import type { Testnet } from '@realmesh/testnet'
import type { RealmNode } from '@realmesh/node'

/** a RecordingIo that says when a line was written, so tests wait on that */
class WatchedIo extends RecordingIo {
  readonly lines = new EventTarget()
  override out = (line: string): void => { this.stdout.push(line); this.lines.dispatchEvent(new Event('line')) }
  override err = (line: string): void => { this.stderr.push(line); this.lines.dispatchEvent(new Event('line')) }
}

describe('subscribe, publish, send, subjects through the control API', () => {
  let net: Testnet
  let a: RealmNode
  let b: RealmNode
  const apis: ControlApi[] = []
  const target = (api: ControlApi): string[] => ['--api', new URL(api.url).host]
  const env = (api: ControlApi): Record<string, string> => ({ REALMESH_API_TOKEN: api.token })

  before(async () => {
    net = await createTestnet({ size: 2, transport: 'tcp' })
    await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
    ;[a, b] = net.nodes as [RealmNode, RealmNode]
    for (const node of [a, b]) apis.push(await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('node', node), ...subjectRoutes(node)] }))
  })
  after(async () => {
    await Promise.all(apis.map(async api => api.stop()))
    await net.stop()
  })

  test('a subscriber gets one JSON line per message, in order; publish --ack reports each receiver', async () => {
    const [apiA, apiB] = apis as [ControlApi, ControlApi]
    const sub = new WatchedIo(env(apiA))
    const running = runCli(['subscribe', 'cli-test', ...target(apiA), '--json'], sub)
    await until(() => sub.stderr.some(l => l.startsWith('subscribed to cli-test')), [sub.lines], ['line'], { what: 'the subscription' })
    for (const i of [1, 2, 3]) {
      const pub = new RecordingIo(env(apiB))
      assert.equal(await runCli(['publish', 'cli-test', `hello ${i}`, ...target(apiB), '--ack'], pub), 0, pub.stderr.join('\n'))
      assert.deepEqual(pub.stdout, [`delivered ...${a.peerId.toString().slice(-8)}`])
    }
    await until(() => sub.stdout.length === 3, [sub.lines], ['line'], { what: 'three messages' })
    const lines = sub.stdout.map(l => JSON.parse(l) as { data: string, from: string, subject: string, seq: number })
    assert.deepEqual(lines.map(l => l.data), ['hello 1', 'hello 2', 'hello 3'])
    assert.ok(lines.every(l => l.from === b.peerId.toString() && l.subject === 'cli-test'))

    const listed = new RecordingIo(env(apiA))
    assert.equal(await runCli(['subjects', ...target(apiA), '--json'], listed), 0)
    const subjects = (JSON.parse(listed.stdout.join('\n')) as { subjects: Array<{ subject: string, role: string, coordinators: string[] }> }).subjects
    assert.equal(subjects[0]?.subject, 'cli-test')
    assert.equal(subjects[0]?.role, 'receiver')
    assert.ok((subjects[0]?.coordinators.length ?? 0) > 0)

    // the subscription ends with the command
    sub.stop()
    assert.equal(await running, 0)
    // the daemon sees the connection close on a later turn of the event loop (I/O), not at once
    for (let turn = 0; turn < 10_000 && a.subjects().length > 0; turn++) await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(a.subjects(), [])
  })

  test('a message above the limit is refused with MESSAGE_TOO_LARGE; the next one goes through', async () => {
    const [apiA, apiB] = apis as [ControlApi, ControlApi]
    const sub = new WatchedIo(env(apiA))
    const running = runCli(['subscribe', 'sizes', ...target(apiA)], sub)
    await until(() => sub.stderr.some(l => l.startsWith('subscribed to sizes')), [sub.lines], ['line'], { what: 'the subscription' })
    const big = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'sizes', 'x'.repeat(1024 * 1024 + 1), ...target(apiB), '--ack'], big), 1)
    assert.match(big.stderr.join('\n'), /^error MESSAGE_TOO_LARGE: /m)
    const small = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'sizes', 'small', ...target(apiB), '--ack'], small), 0, small.stderr.join('\n'))
    await until(() => sub.stdout.length === 1, [sub.lines], ['line'], { what: 'the small message' })
    assert.deepEqual(sub.stdout, [`...${b.peerId.toString().slice(-8)} small`])
    sub.stop()
    assert.equal(await running, 0)
  })

  test('--audience: a publication for one identity reaches it; another audience on the same subject is SUBJECT_AUDIENCE_CONFLICT; bad values change nothing', async () => {
    const [apiA, apiB] = apis as [ControlApi, ControlApi]
    const sub = new WatchedIo(env(apiA))
    const running = runCli(['subscribe', 'for-a', ...target(apiA), '--json', '--audience', b.peerId.toString()], sub)
    await until(() => sub.stderr.some(l => l.startsWith('subscribed to for-a')), [sub.lines], ['line'], { what: 'the subscription' })
    assert.match(sub.stderr.join('\n'), new RegExp(`audience \\.\\.\\.${b.peerId.toString().slice(-8)}\\)`))
    const pub = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'for-a', 'sealed', ...target(apiB), '--ack', '--audience', a.peerId.toString()], pub), 0, pub.stderr.join('\n'))
    await until(() => sub.stdout.length === 1, [sub.lines], ['line'], { what: 'the message' })
    assert.equal((JSON.parse(sub.stdout[0] ?? '{}') as { data?: string }).data, 'sealed')
    const listed = new RecordingIo(env(apiB))
    assert.equal(await runCli(['subjects', ...target(apiB)], listed), 0)
    assert.match(listed.stdout.join('\n'), new RegExp(`for-a\\s+sender\\s+\\.\\.\\.${a.peerId.toString().slice(-8)}\\s`))

    // the publication's audience stays what it is: another one is refused, and so is public
    for (const other of [b.peerId.toString(), 'public']) {
      const conflict = new RecordingIo(env(apiB))
      assert.equal(await runCli(['publish', 'for-a', 'x', ...target(apiB), '--audience', other], conflict), 1)
      assert.match(conflict.stderr.join('\n'), /^error SUBJECT_AUDIENCE_CONFLICT: this node uses for-a with audience identities /m)
    }
    // a subscription with another audience is refused by the daemon: its code, exit 1
    const refused = new WatchedIo(env(apiB))
    assert.equal(await runCli(['subscribe', 'for-a', ...target(apiB), '--role', 'both', '--audience', 'attr:role=x'], refused), 1)
    assert.match(refused.stderr.join('\n'), /^error SUBJECT_AUDIENCE_CONFLICT: /m)
    // bad values: a usage error naming the flag, or a 400 naming the field; nothing reaches the node
    const usage = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'aud-bad', 'x', ...target(apiB), '--audience', 'attr:nothing'], usage), 1)
    assert.match(usage.stderr.join('\n'), /^error USAGE: --audience: expected attr:NAME=VALUE/m)
    const res = await fetch(`${apiB.url}/subjects/aud-bad/publish`, { method: 'POST', headers: { authorization: `Bearer ${apiB.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ data: 'x', audience: { kind: 'identities', ids: ['nope'] } }) })
    assert.equal(res.status, 400)
    assert.match(((await res.json()) as { message: string }).message, /^audience: expected a peer id/)
    assert.equal(b.subjects().some(s => s.subject === 'aud-bad'), false)
    sub.stop()
    assert.equal(await running, 0)
  })

  test('send: the peer\'s answer on stdout; without acks publish says where the message went', async () => {
    const [, apiB] = apis as [ControlApi, ControlApi]
    a.onRequest(({ data }) => new TextEncoder().encode(`echo ${new TextDecoder().decode(data)}`))
    const io = new RecordingIo(env(apiB))
    assert.equal(await runCli(['send', a.peerId.toString(), 'ping', ...target(apiB)], io), 0, io.stderr.join('\n'))
    assert.deepEqual(io.stdout, ['echo ping'])
    const nobody = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'nobody-listens', 'hi', ...target(apiB)], nobody), 0)
    assert.match(nobody.stdout.join('\n'), /no receiver yet, the message waits in the cache/)
    const bad = new RecordingIo(env(apiB))
    assert.equal(await runCli(['send', 'not-a-peer', 'x', ...target(apiB)], bad), 1)
    assert.match(bad.stderr.join('\n'), /^error PEER_ID_INVALID: /m)
  })

  test('publish --ack says when the daemon accepted the message; --id is the id the subscriber sees; a malformed id changes nothing', async () => {
    const [apiA, apiB] = apis as [ControlApi, ControlApi]
    const sub = new WatchedIo(env(apiA))
    const running = runCli(['subscribe', 'chosen-id', ...target(apiA), '--json'], sub)
    await until(() => sub.stderr.some(l => l.startsWith('subscribed to chosen-id')), [sub.lines], ['line'], { what: 'the subscription' })
    const id = '00112233445566778899aabbccddeeff'
    const pub = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'chosen-id', 'x', ...target(apiB), '--ack', '--id', id], pub), 0, pub.stderr.join('\n'))
    // this daemon's node has no store: accepted, not kept
    assert.deepEqual(pub.stderr, [`accepted ${id}`])
    await until(() => sub.stdout.length === 1, [sub.lines], ['line'], { what: 'the message' })
    assert.equal((JSON.parse(sub.stdout[0] ?? '{}') as { id?: string }).id, id)
    const usage = new RecordingIo(env(apiB))
    assert.equal(await runCli(['publish', 'chosen-id', 'y', ...target(apiB), '--ack', '--id', 'xyz'], usage), 1)
    assert.match(usage.stderr.join('\n'), /^error USAGE: --id is 32 hex digits/m)
    const res = await fetch(`${apiB.url}/subjects/chosen-id/publish`, { method: 'POST', headers: { authorization: `Bearer ${apiB.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ data: 'y', id: 'xyz' }) })
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as { code: string }).code, 'BAD_REQUEST')
    assert.equal(sub.stdout.length, 1)
    sub.stop()
    assert.equal(await running, 0)
  })
})
