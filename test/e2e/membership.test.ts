/**
 * Membership end to end, every participant a separate `realmesh` OS process with its own data dir,
 * on 127.0.0.1 only: a leader, nodes joining with offline tokens and with the join secret, nodes
 * the realm refuses (exit code 2, with the refusal code), a node killed with SIGKILL that rejoins
 * from its data dir, and a clean SIGTERM stop of everything (exit code 0).
 *
 * Every wait is on a process's output (or exit) with a generous bound, so that a loaded 2-core
 * machine is slow but not flaky; a timeout fails with the output of every process.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { issueNodeToken, parseRealmDescriptor, readKeyFile } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000
const SECRET = 's3cret'

interface Status { role: string, peerId: string, realm: string, joined: boolean, members: string[], routingTable: number, listen: string[] }

describe('realm membership across OS processes', { timeout: 600_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  /** the good nodes: name -> peer id */
  const members = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let leader: CliProcess
  let leaderId: string

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  /** a node daemon; resolves with its peer id once it printed it */
  async function startNode (name: string, args: string[]): Promise<{ proc: CliProcess, peerId: string }> {
    const proc = e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--config', e2e.config, ...args])
    daemons.set(name, proc)
    const [, peerId = ''] = await proc.waitForLine(/^peer id (\S+)$/, STEP_MS)
    return { proc, peerId }
  }

  async function issue (leaderDir: string, node: string): Promise<string> {
    const peerId = await e2e.procs.ok(`node init ${node}`, ['node', 'init', '--dir', dir(node)])
    const token = await e2e.procs.ok(`token issue ${node}`, ['token', 'issue', '--dir', leaderDir, '--peer', peerId, '--ttl', '1h'])
    const file = join(e2e.root, `${node}.token`)
    await writeFile(file, `${token}\n`)
    return file
  }

  step('1. a leader is initialised and started; realm.json gets its address', async () => {
    const init = await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'e2e', '--dir', dir('L'), '--policy', 'auto', '--join-secret', SECRET])
    assert.match(init, /realm\.json/)
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    daemons.set('L', leader)
    const [, address = ''] = await leader.waitForLine(/^listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)$/, STEP_MS)
    await leader.waitForLine(/^control api /, STEP_MS)
    const realm = parseRealmDescriptor(await readFile(join(dir('L'), 'realm.json'), 'utf8'))
    assert.deepEqual(realm.bootstrap, [address])
    leaderId = realm.leader.peerId
    assert.equal((await status('L')).role, 'leader')

    // the same API by address: the token from the environment, refused without one
    const api = JSON.parse(await readFile(join(dir('L'), 'api.json'), 'utf8')) as { url: string, token: string }
    const apiAddress = new URL(api.url).host
    const withToken = await e2e.procs.run('pending --api', ['leader', 'pending', '--api', apiAddress], STEP_MS, { REALMESH_API_TOKEN: api.token })
    assert.equal(withToken.code, 0, e2e.procs.describe())
    assert.equal(withToken.stdout.trim(), 'no pending requests')
    const without = await e2e.procs.run('pending --api (no token)', ['leader', 'pending', '--api', apiAddress], STEP_MS)
    assert.equal(without.code, 1)
    assert.match(without.stderr, /^error API_TOKEN_MISSING: /m)
  })

  step('2. two nodes with offline tokens and two with the join secret join', async () => {
    const realmFile = join(dir('L'), 'realm.json')
    const tokens = await Promise.all(['N1', 'N2'].map(async n => issue(dir('L'), n)))
    const started = await Promise.all([
      startNode('N1', ['--realm', realmFile, '--token', tokens[0] ?? '']),
      startNode('N2', ['--realm', realmFile, '--token', tokens[1] ?? '']),
      startNode('N3', ['--realm', realmFile, '--join-secret', SECRET]),
      startNode('N4', ['--realm', realmFile, '--join-secret', SECRET])
    ])
    started.forEach(({ peerId }, i) => { members.set(`N${i + 1}`, peerId) })
    await Promise.all(started.map(async ({ proc }) => proc.waitForLine(/^joined realm e2e: /, STEP_MS)))
    // the leader admits a node before the node hears it joined: its log has every one of them
    await Promise.all([...members.values()].map(async id => leader.waitForLine(new RegExp(`^member joined ${id} `), STEP_MS)))

    const leaderStatus = await status('L')
    assert.deepEqual([...leaderStatus.members].sort(), [...members.values()].sort())
    const statuses = await Promise.all([...members.keys()].map(async name => ({ name, s: await status(name) })))
    for (const { name, s } of statuses) {
      assert.equal(s.role, 'node')
      assert.equal(s.joined, true, `${name} joined`)
      assert.ok(s.members.includes(leaderId), `${name}'s members include the leader`)
      assert.equal(s.peerId, members.get(name))
    }
  })

  step('3. a foreign token, an expired token and a wrong join secret are refused (exit 2); the realm goes on', async () => {
    const realmFile = join(dir('L'), 'realm.json')
    // a token from another realm's leader
    await e2e.procs.ok('other leader init', ['leader', 'init', '--name', 'other', '--dir', dir('L2')])
    const foreign = await issue(dir('L2'), 'X1')
    // a token of this realm that expired a day ago
    const x2 = await e2e.procs.ok('node init X2', ['node', 'init', '--dir', dir('X2')])
    const expiredToken = await issueNodeToken(await readKeyFile(join(dir('L'), 'leader.key')), {
      realm: parseRealmDescriptor(await readFile(realmFile, 'utf8')),
      subject: peerIdFromString(x2),
      ttlSeconds: 3600,
      now: () => Date.now() - 2 * 86_400_000
    })
    const expired = join(e2e.root, 'X2.token')
    await writeFile(expired, expiredToken)

    const refused = await Promise.all([
      startNode('X1', ['--realm', realmFile, '--token', foreign]),
      startNode('X2', ['--realm', realmFile, '--token', expired]),
      startNode('X3', ['--realm', realmFile, '--join-secret', 'not-the-secret'])
    ])
    const expected = [/^refused: (TOKEN_WRONG_REALM|TOKEN_UNTRUSTED_ISSUER) /, /^refused: TOKEN_EXPIRED /, /^refused: JOIN_SECRET_INVALID /]
    await Promise.all(refused.map(async ({ proc }, i) => {
      const exit = await proc.waitForExit(STEP_MS)
      assert.equal(exit.code, 2, `${proc.name} exits with 2\n${proc.describe()}`)
      await proc.waitForLine(expected[i] ?? /^refused: /, 1_000)
    }))

    const fifth = await startNode('N5', ['--realm', realmFile, '--join-secret', SECRET])
    members.set('N5', fifth.peerId)
    await fifth.proc.waitForLine(/^joined realm e2e: /, STEP_MS)
    await leader.waitForLine(new RegExp(`^member joined ${fifth.peerId} `), STEP_MS)
    const leaderStatus = await status('L')
    assert.deepEqual([...leaderStatus.members].sort(), [...members.values()].sort())
    for (const { peerId } of refused) {
      assert.ok(!leaderStatus.members.includes(peerId), `refused ${peerId} is no member`)
      assert.ok(!leader.stderr.includes(`member joined ${peerId}`), `refused ${peerId} never joined`)
    }
  })

  step('4. a node killed with SIGKILL rejoins from its data dir, without token or realm flags', async () => {
    const victim = daemons.get('N1')
    assert.ok(victim != null)
    const killedAt = Date.now()
    victim.kill('SIGKILL')
    assert.equal((await victim.waitForExit(STEP_MS)).signal, 'SIGKILL')
    // no LEAVE from a killed process: the leader notices the connection drop and lets the member go
    const [, reason] = await leader.waitForLine(new RegExp(`^member left ${members.get('N1') ?? '?'}: (\\S+)`), STEP_MS)
    console.log(`# the leader dropped the SIGKILLed node after ${Date.now() - killedAt} ms (reason ${reason})`)
    assert.ok(reason === 'disconnect' || reason === 'timeout', reason)
    const restarted = e2e.procs.start('N1 again', ['node', 'start', '--dir', dir('N1'), '--config', e2e.config])
    daemons.set('N1', restarted)
    const [, peerId] = await restarted.waitForLine(/^peer id (\S+)$/, STEP_MS)
    assert.equal(peerId, members.get('N1'))
    await restarted.waitForLine(/^joined realm e2e: /, STEP_MS)
    const s = await status('N1')
    assert.equal(s.joined, true)
    assert.ok(s.members.includes(leaderId))
    assert.ok(!restarted.stderr.includes('asking the realm leader'), 'it used its saved token')
  })

  step('5. SIGTERM stops every daemon cleanly (exit 0) and removes its api.json', async () => {
    const running = [...daemons.entries()].filter(([, p]) => p.running)
    for (const [, proc] of running) proc.kill('SIGTERM')
    const exits = await Promise.all(running.map(async ([name, proc]) => ({ name, exit: await proc.waitForExit(STEP_MS) })))
    for (const { name, exit } of exits) {
      assert.equal(exit.code, 0, `${name} exits with 0\n${daemons.get(name)?.describe() ?? ''}`)
      await assert.rejects(readFile(join(dir(name), 'api.json')), { code: 'ENOENT' }, `${name} removed its api.json`)
    }
  })
})
