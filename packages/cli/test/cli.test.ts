// The command line in-process: usage, and the errors that end a command with exit code 1 before
// anything reaches the network.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseLeaderConfig } from '@realmesh/leader'
import { VERB_USAGE } from '../src/usage.js'
import { formatStatus } from '../src/commands/status.js'
import { TempDirs, errorCode, makeRealm, run } from './helpers.js'

describe('realmesh (in-process)', () => {
  const temp = new TempDirs()
  after(async () => { await temp.cleanup() })

  test('no arguments and --help print usage for every verb, exit 0', async () => {
    for (const argv of [[], ['--help'], ['-h']]) {
      const { code, io } = await run(argv)
      assert.equal(code, 0)
      const text = io.stdout.join('\n')
      for (const verb of Object.keys(VERB_USAGE)) assert.ok(text.includes(`realmesh ${verb}`), `usage lacks ${verb}`)
    }
  })

  test('VERB --help prints that verb\'s usage', async () => {
    const { code, io } = await run(['node', 'start', '--help'])
    assert.equal(code, 0)
    assert.match(io.stdout.join('\n'), /realmesh node start --dir DIR/)
  })

  test('an unknown verb or flag is USAGE, exit 1', async () => {
    const unknown = await run(['frobnicate'])
    assert.equal(unknown.code, 1)
    assert.equal(errorCode(unknown.io), 'USAGE')
    const flag = await run(['node', 'init', '--dri', 'x'])
    assert.equal(flag.code, 1)
    assert.equal(errorCode(flag.io), 'USAGE')
    const missing = await run(['node', 'init'])
    assert.equal(errorCode(missing.io), 'USAGE')
  })

  test('node init prints only the peer id, refuses an existing key, and --force replaces it', async () => {
    const dir = await temp.make()
    const first = await run(['node', 'init', '--dir', dir])
    assert.equal(first.code, 0)
    assert.equal(first.io.stdout.length, 1)
    assert.match(first.io.stdout[0] ?? '', /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal((await stat(join(dir, 'node.key'))).mode & 0o777, 0o600)
    const again = await run(['node', 'init', '--dir', dir])
    assert.equal(again.code, 1)
    assert.equal(errorCode(again.io), 'KEY_FILE_EXISTS')
    await writeFile(join(dir, 'node.token'), 'a.b.c')
    const forced = await run(['node', 'init', '--dir', dir, '--force'])
    assert.equal(forced.code, 0)
    assert.notEqual(forced.io.stdout[0], first.io.stdout[0])
    await assert.rejects(readFile(join(dir, 'node.token')), { code: 'ENOENT' })
  })

  test('token issue: a bad --ttl is DURATION_INVALID, a bad --peer PEER_ID_INVALID', async () => {
    const dir = await temp.make()
    assert.equal((await run(['leader', 'init', '--name', 'cli', '--dir', dir])).code, 0)
    const peer = (await run(['node', 'init', '--dir', await temp.make()])).io.stdout[0] ?? ''
    const ttl = await run(['token', 'issue', '--dir', dir, '--peer', peer, '--ttl', '1w'])
    assert.equal(ttl.code, 1)
    assert.equal(errorCode(ttl.io), 'DURATION_INVALID')
    const bad = await run(['token', 'issue', '--dir', dir, '--peer', 'nobody'])
    assert.equal(errorCode(bad.io), 'PEER_ID_INVALID')
    const ok = await run(['token', 'issue', '--dir', dir, '--peer', peer, '--ttl', '15m'])
    assert.equal(ok.code, 0)
    assert.equal(ok.io.stdout.length, 1)
    assert.match(ok.io.stdout[0] ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  test('leader init prints the realm id, the leader peer id and the path of realm.json', async () => {
    const dir = await temp.make()
    const { code, io } = await run(['leader', 'init', '--name', 'printed', '--dir', dir, '--policy', 'auto', '--join-secret', 'x'])
    assert.equal(code, 0)
    const realm = JSON.parse(await readFile(join(dir, 'realm.json'), 'utf8')) as { id: string, leader: { peerId: string } }
    const text = io.stdout.join('\n')
    assert.ok(text.includes(realm.id))
    assert.ok(text.includes(realm.leader.peerId))
    assert.ok(text.includes(join(dir, 'realm.json')))
    assert.equal((await stat(join(dir, 'leader.key'))).mode & 0o777, 0o600)
    assert.equal((realm as { policy?: { broadcast?: boolean } }).policy?.broadcast, undefined, 'no broadcast unless asked for')
    assert.ok(text.includes('broadcast   off'))
    const loud = await temp.make()
    assert.equal((await run(['leader', 'init', '--name', 'loud', '--dir', loud, '--broadcast'])).code, 0)
    const loudRealm = JSON.parse(await readFile(join(loud, 'realm.json'), 'utf8')) as { policy: { broadcast?: boolean } }
    assert.equal(loudRealm.policy.broadcast, true)
    const again = await run(['leader', 'init', '--name', 'printed', '--dir', dir])
    assert.equal(again.code, 1)
    assert.equal(errorCode(again.io), 'LEADER_DIR_EXISTS')
    assert.equal(errorCode((await run(['leader', 'init', '--name', 'p', '--dir', await temp.make(), '--policy', 'open'])).io), 'USAGE')
  })

  test('leader deny: one of ID, --all, --older-than DURATION, checked before the daemon is asked; approve takes none of them', async () => {
    const dir = await temp.make()
    const cases: Array<[string[], string]> = [
      [['leader', 'deny'], 'USAGE'],
      [['leader', 'deny', 'abc', '--all'], 'USAGE'],
      [['leader', 'deny', '--all', '--older-than', '1h'], 'USAGE'],
      [['leader', 'deny', '--older-than', '1w'], 'DURATION_INVALID'],
      [['leader', 'approve', '--all'], 'USAGE'],
      [['leader', 'approve', 'abc', '--older-than', '1h'], 'USAGE']
    ]
    for (const [argv, code] of cases) {
      const { io } = await run([...argv, '--dir', dir])
      assert.equal(errorCode(io), code, argv.join(' '))
    }
  })

  test('leader init: policy auto without a secret generates a long one and says so; a short given secret is taken with a warning', async () => {
    const generated = await temp.make()
    const auto = await run(['leader', 'init', '--name', 'gen', '--dir', generated, '--policy', 'auto'])
    assert.equal(auto.code, 0)
    const secret = parseLeaderConfig(await readFile(join(generated, 'leader.yaml'), 'utf8')).policy.joinSecret ?? ''
    assert.match(secret, /^[\w-]{43}$/)
    assert.ok(auto.io.stdout.some(line => line.startsWith(`join secret generated: 43 random characters, policy.joinSecret in ${join(generated, 'leader.yaml')}`)))
    assert.ok(!auto.io.stdout.join('\n').includes(secret), 'the secret itself is not printed')
    assert.deepEqual(auto.io.stderr, [])

    const short = await run(['leader', 'init', '--name', 'short', '--dir', await temp.make(), '--policy', 'auto', '--join-secret', 's3cret'])
    assert.equal(short.code, 0)
    assert.deepEqual(short.io.stderr.filter(line => line.startsWith('warning: ')).length, 1)
    assert.match(short.io.stderr.join('\n'), /^warning: the join secret is 6 characters: .*at least 16 random characters/m)
    assert.ok(!short.io.stdout.some(line => line.startsWith('join secret generated')))
    const long = await run(['leader', 'init', '--name', 'long', '--dir', await temp.make(), '--policy', 'manual', '--join-secret', 'sixteen chars ok'])
    assert.deepEqual([long.code, long.io.stderr], [0, []])
  })

  test('node start: a bad config value is CONFIG_INVALID with its path, exit 1, before anything starts', async () => {
    const dir = await temp.make()
    const config = join(dir, 'node.yaml')
    await writeFile(config, 'connections:\n  maxConnections: many\n')
    const { code, io } = await run(['node', 'start', '--dir', join(dir, 'n'), '--config', config])
    assert.equal(code, 1)
    assert.equal(errorCode(io), 'CONFIG_INVALID')
    assert.ok(io.stderr.some(l => l.includes(`${config}: connections.maxConnections: expected a positive integer, got "many"`)))
  })

  test('node start: no realm on a first start is REALM_REQUIRED; a non-loopback --api is API_NOT_LOOPBACK', async () => {
    const dir = await temp.make()
    assert.equal(errorCode((await run(['node', 'start', '--dir', dir])).io), 'REALM_REQUIRED')
    const { realm } = await makeRealm()
    await writeFile(join(dir, 'realm.json'), JSON.stringify(realm))
    const api = await run(['node', 'start', '--dir', dir, '--realm', join(dir, 'realm.json'), '--api', '0.0.0.0:7000'])
    assert.equal(api.code, 1)
    assert.equal(errorCode(api.io), 'API_NOT_LOOPBACK')
    const both = await run(['node', 'start', '--dir', dir, '--token', 'x', '--join-secret', 'y'])
    assert.equal(errorCode(both.io), 'USAGE')
    const listen = await run(['node', 'start', '--dir', dir, '--listen', 'nowhere'])
    assert.equal(errorCode(listen.io), 'USAGE')
    assert.ok(listen.io.stderr.some(l => l.includes('--listen: expected a multiaddr')))
  })

  test('node start: a wake schedule out of bounds is USAGE (flag) or CONFIG_INVALID with its path, before anything starts', async () => {
    const dir = await temp.make()
    for (const bad of ['20s', '1s/60s', '20s/21s', '20s/2h', 'often/60s', '20s/60s/5s']) {
      const flag = await run(['node', 'start', '--dir', join(dir, 'n'), '--sleep-schedule', bad])
      assert.equal(errorCode(flag.io), 'USAGE', bad)
      assert.ok(flag.io.stderr.some(l => l.includes('--sleep-schedule: expected AWAKE/PERIOD durations such as 20s/60s')), bad)
    }
    const config = join(dir, 'node.yaml')
    await writeFile(config, 'sleep:\n  schedule: 1s/60s\n')
    const file = await run(['node', 'start', '--dir', join(dir, 'n'), '--config', config])
    assert.equal(errorCode(file.io), 'CONFIG_INVALID')
    assert.ok(file.io.stderr.some(l => l.includes(`${config}: sleep.schedule: expected AWAKE/PERIOD durations`)))
    const alone = await run(['node', 'start', '--dir', join(dir, 'n'), '--wake-on-data'])
    assert.equal(errorCode(alone.io), 'USAGE')
    assert.ok(alone.io.stderr.some(l => l.includes('--wake-on-data (sleep.wakeOnData) needs a wake schedule')))
  })

  test('status: a sleepy node\'s table says its schedule and whether it is awake until when; other nodes\' say nothing of it', () => {
    const base = { role: 'node', peerId: 'p', realm: 'r', realmName: 'n', joined: true, members: [], routingTable: 0, listen: [] }
    const rows = formatStatus({ ...base, sleep: { awakeMs: 20_000, periodMs: 60_000, anchorMs: 1, onData: true, awake: false, until: Date.UTC(2026, 0, 1) } })
    assert.ok(rows.some(r => /^sleep +awake 20\.0 s of every 60\.0 s and on data: asleep until 2026-01-01T00:00:00\.000Z$/.test(r)), rows.join('\n'))
    assert.ok(!formatStatus(base).some(r => r.startsWith('sleep')))
  })

  test('status: reachability, the relay slot and each connection, direct, relayed through which relay or forwarded by which member', () => {
    const base = { role: 'node', peerId: 'p', realm: 'r', realmName: 'n', joined: true, members: [], routingTable: 0, listen: [] }
    const rows = formatStatus({
      ...base,
      nat: { reachability: 'private', observed: ['/ip4/11.99.0.12/tcp/4711'], relayAddrs: ['/ip4/11.99.0.10/tcp/4001/p2p/R/p2p-circuit/p2p/p'], seekingRelay: true, relaying: { serving: false, reservations: 0 } },
      connections: [
        { peer: 'B', remoteAddr: '/ip4/11.99.0.10/tcp/4001/p2p/R/p2p-circuit/p2p/B', direction: 'outbound', relayed: true, relay: 'R', admitted: true, openedAt: 1 },
        { peer: 'R', remoteAddr: '/ip4/11.99.0.10/tcp/4001/p2p/R', direction: 'outbound', relayed: false, admitted: true, openedAt: 1 },
        { peer: 'X', remoteAddr: '/ip4/11.99.0.99/tcp/5555/p2p/X', direction: 'inbound', relayed: false, admitted: false, openedAt: 2 },
        { peer: 'F', remoteAddr: '/ip4/11.99.0.11/tcp/4001/p2p/C/p2p-circuit/p2p/F', direction: 'inbound', relayed: false, forwarder: 'C', admitted: true, openedAt: 3 }
      ]
    })
    for (const line of [
      /^reachability +private \(observed at \/ip4\/11\.99\.0\.12\/tcp\/4711\)$/,
      /^relay slot +\/ip4\/11\.99\.0\.10\/tcp\/4001\/p2p\/R\/p2p-circuit\/p2p\/p$/,
      /^connections +B out relayed via R$/,
      /^ +R out direct \/ip4\/11\.99\.0\.10\/tcp\/4001\/p2p\/R$/,
      /^ +X in direct \/ip4\/11\.99\.0\.99\/tcp\/5555\/p2p\/X \(not admitted\)$/,
      /^ +F in forwarded via C$/
    ]) assert.ok(rows.some(r => line.test(r)), `${String(line)}\n${rows.join('\n')}`)
    assert.ok(!rows.some(r => r.startsWith('relaying')))
  })

  test('status: the streams this node forwards for members, one line each under a heading; nothing when it forwards none; off when it does not serve', () => {
    const base = { role: 'node', peerId: 'p', realm: 'r', realmName: 'n', joined: true, members: [], routingTable: 0, listen: [] }
    const limits = { maxCircuits: 32, maxCircuitsPerPeer: 4, maxBytesPerCircuit: 1073741824, idleTimeoutMs: 120000, maxForwarded: 32 }
    const forwarding = { serve: true, use: true, connections: [], limits, totals: { circuits: 7, bytes: 123456, connections: 0 } }
    const rows = formatStatus({
      ...base,
      forwarding: {
        ...forwarding,
        circuits: [
          { source: 'A', target: 'B', since: Date.now() - 5 * 60_000, bytes: 4096 },
          { source: 'D', target: 'A', since: Date.now() - 3 * 3600_000, bytes: 0 }
        ]
      }
    })
    const at = rows.findIndex(r => r.startsWith('forwarding'))
    assert.match(rows[at] ?? '', /^forwarding +2 of 32 streams for members \(4 per member\); 7 streams, 123456 bytes since start$/, rows.join('\n'))
    assert.match(rows[at + 1] ?? '', /^ +A -> B 4096 bytes, for 5 min$/, rows.join('\n'))
    assert.match(rows[at + 2] ?? '', /^ +D -> A 0 bytes, for 3 h$/, rows.join('\n'))
    assert.ok(!formatStatus({ ...base, forwarding: { ...forwarding, circuits: [] } }).some(r => r.startsWith('forwarding')))
    assert.ok(formatStatus({ ...base, forwarding: { ...forwarding, serve: false, circuits: [] } }).some(r => /^forwarding +off: this node forwards for no member \(forwarding\.serve: false\)$/.test(r)))
  })

  test('status without a running daemon is API_NOT_RUNNING; with neither --dir nor --api USAGE; with --api and no token API_TOKEN_MISSING', async () => {
    assert.equal(errorCode((await run(['status', '--dir', await temp.make()])).io), 'API_NOT_RUNNING')
    assert.equal(errorCode((await run(['status'])).io), 'USAGE')
    assert.equal(errorCode((await run(['status', '--api', 'nonsense'])).io), 'API_ADDRESS_INVALID')
    // GET /status needs the token: with --api alone there is none to send
    assert.equal(errorCode((await run(['status', '--api', '127.0.0.1:1'])).io), 'API_TOKEN_MISSING')
  })

  test('REALMESH_DEBUG=1 adds the stack; without it there is none', async () => {
    const plain = await run(['frobnicate'])
    assert.ok(!plain.io.stderr.some(l => l.includes('    at ')))
    const debug = await run(['frobnicate'], { REALMESH_DEBUG: '1' })
    assert.ok(debug.io.stderr.some(l => l.includes('    at ')))
  })
})
