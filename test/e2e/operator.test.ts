/**
 * What an operator sees of a realm's rough edges, with the CLI as separate OS processes on
 * 127.0.0.1: `ps` tells daemons apart by their data dir; a listen port in use is one line with a
 * code (no libp2p stack text); a bootstrap address naming the wrong peer id says the identity did
 * not match and who answered; an expired --token is refused at once (exit 2) with no "unreachable"
 * retry line before it.
 *
 * Every wait is on a process's output (or exit), bounded generously.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { generateNodeKey, issueNodeToken, parseRealmDescriptor, readKeyFile } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000

describe('operator rough edges across OS processes', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let leader: CliProcess
  let leaderId: string
  let leaderPort: string

  step('1. a leader starts; `ps` shows it with its --dir', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'ops', '--dir', dir('L')])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    const [, port = '', id = ''] = await leader.waitForLine(/^listening on \/ip4\/127\.0\.0\.1\/tcp\/(\d+)\/p2p\/(\S+)$/, STEP_MS)
    leaderPort = port
    leaderId = id
    await leader.waitForLine(/^control api /, STEP_MS)
    const { stdout } = await promisify(execFile)('ps', ['-o', 'args=', '-p', String(leader.pid)])
    assert.equal(stdout.trim(), `realmesh leader start --dir ${dir('L')}`)
  })

  step('2. a node told to listen on the leader\'s port: LISTEN_ADDRESS_IN_USE in one line, exit 1', async () => {
    const address = `/ip4/127.0.0.1/tcp/${leaderPort}`
    const result = await e2e.procs.run('port in use', ['node', 'start', '--dir', dir('N1'), '--realm', join(dir('L'), 'realm.json'), '--listen', address], STEP_MS)
    assert.equal(result.code, 1, e2e.procs.describe())
    assert.match(result.stderr, new RegExp(`^error LISTEN_ADDRESS_IN_USE: cannot listen on ${address}: `, 'm'))
    assert.ok(!/setupListenHandle|^\s+at |INTERNAL/m.test(result.stderr), result.stderr)
  })

  step('3. a bootstrap address with the wrong peer id at a live address: the identity did not match, and who answered', async () => {
    const wrong = peerIdFromPrivateKey(await generateNodeKey()).toString()
    const realm = JSON.parse(await readFile(join(dir('L'), 'realm.json'), 'utf8')) as { bootstrap: string[] }
    realm.bootstrap = [`/ip4/127.0.0.1/tcp/${leaderPort}/p2p/${wrong}`]
    const realmFile = join(e2e.root, 'wrong-bootstrap.json')
    await writeFile(realmFile, JSON.stringify(realm))
    const peer = await e2e.procs.ok('node init N2', ['node', 'init', '--dir', dir('N2')])
    const tokenFile = join(e2e.root, 'N2.token')
    await writeFile(tokenFile, await e2e.procs.ok('token issue N2', ['token', 'issue', '--dir', dir('L'), '--peer', peer, '--ttl', '1h']))
    const node = e2e.procs.start('N2', ['node', 'start', '--dir', dir('N2'), '--realm', realmFile, '--token', tokenFile])
    await node.waitForLine(new RegExp(`: the identity did not match: ${leaderId} answered, not ${wrong} \\(PEER_ID_MISMATCH\\): retrying in `), STEP_MS)
    assert.ok(!/unreachable \(UNREACHABLE\)/.test(node.stderr), node.stderr)
    node.kill('SIGTERM')
    assert.equal((await node.waitForExit(STEP_MS)).code, 0)
  })

  step('4. an expired --token: refused: TOKEN_EXPIRED and exit 2, with no retry line before it', async () => {
    const peer = await e2e.procs.ok('node init N3', ['node', 'init', '--dir', dir('N3')])
    // a token of this realm for that node, which expired a day ago
    const token = await issueNodeToken(await readKeyFile(join(dir('L'), 'leader.key')), {
      realm: parseRealmDescriptor(await readFile(join(dir('L'), 'realm.json'), 'utf8')),
      subject: peerIdFromString(peer),
      ttlSeconds: 3600,
      now: () => Date.now() - 2 * 86_400_000
    })
    await writeFile(join(e2e.root, 'N3.token'), token)
    const result = await e2e.procs.run('expired token', ['node', 'start', '--dir', dir('N3'), '--realm', join(dir('L'), 'realm.json'), '--token', join(e2e.root, 'N3.token')], STEP_MS)
    assert.equal(result.code, 2, e2e.procs.describe())
    assert.match(result.stderr, /^refused: TOKEN_EXPIRED \(/m)
    assert.ok(!/unreachable|retrying|NOT_A_MEMBER/.test(result.stderr), result.stderr)
  })

  step('5. SIGTERM stops the leader cleanly (exit 0)', async () => {
    leader.kill('SIGTERM')
    assert.equal((await leader.waitForExit(STEP_MS)).code, 0, leader.describe())
  })
})
