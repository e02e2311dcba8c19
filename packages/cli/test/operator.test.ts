// The operator's verbs and errors in-process: --version, usage errors that name the wrong word,
// the process title, `token issue --out`, and against real nodes' control APIs `members`, the
// version in `status`, and `send` to oneself or to a peer that is no member (typed, not INTERNAL).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { nextEvent } from '@realmesh/node'
import { generateNodeKey } from '@realmesh/token'
import { createTestnet } from '@realmesh/testnet'
import { ControlApi, runCli, statusRoutes, subjectRoutes } from '../src/index.js'
import { processTitle } from '../src/cli.js'
import { RecordingIo, TempDirs } from './helpers.js'
import type { Testnet } from '@realmesh/testnet'
import type { RealmNode } from '@realmesh/node'
import type { MemberView } from '../src/index.js'

async function run (argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number, io: RecordingIo }> {
  const io = new RecordingIo(env)
  const code = await runCli(argv, io)
  return { code, io }
}

const PACKAGE_VERSION = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

describe('operator verbs and errors (in-process)', () => {
  const temp = new TempDirs()
  after(async () => { await temp.cleanup() })

  test('--version prints the package version, exit 0', async () => {
    const { code, io } = await run(['--version'])
    assert.equal(code, 0)
    assert.deepEqual(io.stdout, [`realmesh ${PACKAGE_VERSION}`])
  })

  test('an unknown sub-verb is named with its group and the known ones; an unknown verb is named', async () => {
    const revoke = await run(['leader', 'frobnicate', 'x'])
    assert.equal(revoke.code, 1)
    // the known ones are every `leader ...` verb of the COMMANDS table, in its order
    assert.match(revoke.io.stderr[0] ?? '', /^error USAGE: unknown sub-verb "frobnicate" for "leader"; known: init, start, pending, approve, deny, revoke, (\w+, )*\w+$/)
    assert.equal(revoke.io.stderr[1], '(realmesh leader --help for usage)')
    const token = await run(['token', 'revoke', 'x'])
    assert.match(token.io.stderr[0] ?? '', /^error USAGE: unknown sub-verb "revoke" for "token"; known: issue$/)
    const verb = await run(['frobnicate', 'x'])
    assert.match(verb.io.stderr[0] ?? '', /^error USAGE: unknown command "frobnicate"; known: leader, (identity, )?token, node, status, members, /)
  })

  test('the process title keeps the verb and the absolute --dir', () => {
    assert.equal(processTitle(['node', 'start', '--dir', 'n1', '--token', 't'], '/srv/rm'), 'realmesh node start --dir /srv/rm/n1')
    assert.equal(processTitle(['leader', 'start', '--dir=/var/lib/leader'], '/srv/rm'), 'realmesh leader start --dir /var/lib/leader')
    assert.equal(processTitle(['status', '--api', '127.0.0.1:7000'], '/srv/rm'), 'realmesh status')
  })

  test('token issue --out writes the token 0600 whatever was there, and prints nothing on stdout', async () => {
    const leader = await temp.make()
    assert.equal((await run(['leader', 'init', '--name', 'out', '--dir', leader])).code, 0)
    const peer = (await run(['node', 'init', '--dir', await temp.make()])).io.stdout[0] ?? ''
    const out = join(await temp.make(), 'node.token')
    // an older, world-readable file in its place (what `> node.token` makes under umask 022)
    await writeFile(out, 'old\n')
    await chmod(out, 0o644)
    const { code, io } = await run(['token', 'issue', '--dir', leader, '--peer', peer, '--out', out])
    assert.equal(code, 0, io.stderr.join('\n'))
    assert.deepEqual(io.stdout, [])
    assert.equal((await stat(out)).mode & 0o777, 0o600)
    assert.match((await readFile(out, 'utf8')).trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.equal((await run(['token', 'issue', '--dir', leader, '--peer', peer, '--out='])).io.stderr[0], 'error USAGE: --out: expected a file path')
  })
})

describe('members, status and send against real nodes (in-process)', () => {
  let net: Testnet
  let a: RealmNode
  let b: RealmNode
  let api: ControlApi
  const target = (): string[] => ['--api', new URL(api.url).host]
  const env = (): Record<string, string> => ({ REALMESH_API_TOKEN: api.token })

  before(async () => {
    // fast keepalives, so a member's latency is measured within the test
    net = await createTestnet({ size: 2, transport: 'tcp', node: () => ({ keepalive: { intervalMs: 200 } }) })
    await net.whenJoined({ signal: AbortSignal.timeout(30_000) })
    ;[a, b] = net.nodes as [RealmNode, RealmNode]
    api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('node', a), ...subjectRoutes(a)] })
  })
  after(async () => {
    await api.stop()
    await net.stop()
  })

  test('status has the daemon\'s version', async () => {
    const json = await run(['status', ...target(), '--json'], env())
    assert.equal((JSON.parse(json.io.stdout.join('\n')) as { version: string }).version, PACKAGE_VERSION)
    const table = await run(['status', ...target()], env())
    assert.ok(table.io.stdout.some(l => /^version\s+/.test(l) && l.endsWith(PACKAGE_VERSION)), table.io.stdout.join('\n'))
  })

  test('members: peer, address, since, last seen, latency and token expiry; --json has them all', async () => {
    await nextEvent(a, 'peer:alive', (d: { peer: string }) => d.peer === b.peerId.toString(), { signal: AbortSignal.timeout(10_000) })
    const json = await run(['members', ...target(), '--json'], env())
    assert.equal(json.code, 0, json.io.stderr.join('\n'))
    const list = (JSON.parse(json.io.stdout.join('\n')) as { members: MemberView[] }).members
    assert.deepEqual(list.map(m => m.peerId).sort(), a.members().map(m => m.id).sort())
    const mb = list.find(m => m.peerId === b.peerId.toString())
    assert.ok(mb != null)
    assert.ok(mb.addrs.length > 0)
    assert.equal(typeof mb.latencyMs, 'number')
    for (const time of [mb.joinedAt, mb.lastSeen, mb.expiresAt]) assert.ok(!Number.isNaN(Date.parse(time)), time)

    const table = await run(['members', ...target()], env())
    assert.equal(table.code, 0)
    assert.match(table.io.stdout[0] ?? '', /^PEER\s+ADDRESS\s+SINCE\s+LAST SEEN\s+LATENCY\s+TOKEN EXPIRES$/)
    const row = table.io.stdout.find(l => l.startsWith(b.peerId.toString()))
    assert.ok(row != null)
    assert.match(row, / ago\s+.* ago\s+[\d.]+ ms\s+in \d+ (h|d)$/)
  })

  test('send to itself is CANNOT_SEND_TO_SELF, to a peer that is no member PEER_NOT_A_MEMBER: never INTERNAL', async () => {
    const self = await run(['send', a.peerId.toString(), 'me', ...target()], env())
    assert.equal(self.code, 1)
    assert.equal(self.io.stderr[0], 'error CANNOT_SEND_TO_SELF: a node cannot send a direct request to itself')
    const nobody = peerIdFromPrivateKey(await generateNodeKey()).toString()
    const stranger = await run(['send', nobody, 'hello', ...target()], env())
    assert.equal(stranger.code, 1)
    assert.match(stranger.io.stderr[0] ?? '', new RegExp(`^error PEER_NOT_A_MEMBER: ${nobody} is not a member of this realm that this node can reach: NO_ADDRESSES: `))
  })
})
