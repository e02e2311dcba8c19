/**
 * Revocation end to end, every participant a separate `realmesh` OS process on 127.0.0.1: a leader
 * and 5 nodes; `leader revoke` of one node; every other member drops it within 10 s (its status
 * stops listing it), its subscription stops being matched, and its daemon exits 2 with
 * `refused: TOKEN_REVOKED`; a restart of it is refused, by its own data dir and, without that, by
 * the realm; still refused after the leader restarts; the leader issues it no token again.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000
const NODES = ['N1', 'N2', 'N3', 'N4', 'V']

interface Status { members: string[], joined: boolean }
interface SubjectStatus { subject: string, counterparts: Array<{ peer: string }> }

describe('revocation across OS processes', { timeout: 600_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let leader: CliProcess
  let subscription: CliProcess

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  function startNode (name: string, extra: string[] = []): CliProcess {
    const proc = e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--config', e2e.config, ...extra])
    daemons.set(name, proc)
    return proc
  }

  step('1. a leader and 5 nodes with offline tokens join; V subscribes to a subject N1 publishes on', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'revocation', '--dir', dir('L'), '--policy', 'manual'])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    await leader.waitForLine(/^control api /, STEP_MS)
    const realmFile = join(dir('L'), 'realm.json')
    await Promise.all(NODES.map(async (name) => {
      const peer = await e2e.procs.ok(`node init ${name}`, ['node', 'init', '--dir', dir(name)])
      ids.set(name, peer)
      const token = join(e2e.root, `${name}.token`)
      await e2e.procs.ok(`token issue ${name}`, ['token', 'issue', '--dir', dir('L'), '--peer', peer, '--ttl', '1h', '--out', token])
      await startNode(name, ['--realm', realmFile, '--token', token]).waitForLine(/^joined realm revocation: /, STEP_MS)
    }))
    await Promise.all(NODES.map(async name => leader.waitForLine(new RegExp(`^member joined ${ids.get(name) ?? ''} `), STEP_MS)))
    subscription = e2e.procs.start('subscribe V', ['subscribe', 'news', '--dir', dir('V'), '--json'])
    await subscription.waitForLine(/^subscribed to news /, STEP_MS)
    const sent = await e2e.procs.run('publish', ['publish', 'news', 'before', '--dir', dir('N1'), '--ack'], STEP_MS)
    assert.equal(sent.code, 0, e2e.procs.describe())
    await subscription.waitForLine(/"before"/, STEP_MS)
  })

  step('2. leader revoke V: every member drops it within 10 s, its match ends, its daemon exits 2 with TOKEN_REVOKED', async () => {
    const victim = ids.get('V') ?? ''
    const others = NODES.filter(n => n !== 'V')
    const started = Date.now()
    const out = await e2e.procs.ok('leader revoke', ['leader', 'revoke', victim, '--reason', 'laptop lost', '--dir', dir('L')])
    assert.match(out, new RegExp(`^revoked ${victim} \\(every token\\), seq 1, until `))
    const dropped = await Promise.all([...others.map(n => daemons.get(n)), leader].map(async (proc) => {
      await proc?.waitForLine(new RegExp(`^member left ${victim}: revoked`), 10_000)
      return Date.now() - started
    }))
    console.log(`# revoke to the last member dropping the node: ${Math.max(...dropped)} ms (each: ${dropped.join(', ')} ms)`)
    for (const name of [...others, 'L']) assert.ok(!(await status(name)).members.includes(victim), `${name} no longer lists V`)
    const v = daemons.get('V')
    assert.equal((await v?.waitForExit(10_000))?.code, 2, v?.describe())
    await v?.waitForLine(/^refused: TOKEN_REVOKED \(laptop lost\)$/, 1_000)
    // the publisher no longer has V as a counterpart on the subject
    const { subjects } = JSON.parse(await e2e.procs.ok('subjects N1', ['subjects', '--dir', dir('N1'), '--json'])) as { subjects: SubjectStatus[] }
    assert.ok(!subjects.some(s => s.counterparts.some(c => c.peer === victim)), JSON.stringify(subjects))
    assert.notEqual((await subscription.waitForExit(STEP_MS)).code, 0, 'the subscription ended with its daemon')
  })

  step('3. V restarted is refused: by its own data dir, and without it by the realm (exit 2, TOKEN_REVOKED)', async () => {
    const own = startNode('V')
    assert.equal((await own.waitForExit(STEP_MS)).code, 2, own.describe())
    await own.waitForLine(/^refused: TOKEN_REVOKED /, 1_000)
    assert.ok(!own.stderr.includes('listening on'), 'refused before it dialled anyone')
    const stored = JSON.parse(await readFile(join(dir('V'), 'revocations.json'), 'utf8')) as unknown[]
    assert.equal(stored.length, 1)
    await rm(join(dir('V'), 'revocations.json'))
    const realm = startNode('V')
    assert.equal((await realm.waitForExit(STEP_MS)).code, 2, realm.describe())
    await realm.waitForLine(/^refused: TOKEN_REVOKED /, 1_000)
  })

  step('4. after the leader restarts, V is still refused, the revocation is listed, and no token is issued to V', async () => {
    const [, listen = ''] = await leader.waitForLine(/^listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+)\//, 1_000)
    leader.kill('SIGTERM')
    assert.equal((await leader.waitForExit(STEP_MS)).code, 0)
    leader = e2e.procs.start('leader again', ['leader', 'start', '--dir', dir('L'), '--listen', listen, '--node-config', e2e.config])
    await leader.waitForLine(/^control api /, STEP_MS)
    const listed = JSON.parse(await e2e.procs.ok('leader revocations', ['leader', 'revocations', '--dir', dir('L'), '--json'])) as { revocations: Array<{ peer: string, reason: string }> }
    assert.deepEqual(listed.revocations.map(r => [r.peer, r.reason]), [[ids.get('V'), 'laptop lost']])
    await rm(join(dir('V'), 'revocations.json'), { force: true })
    // V dials the restarted leader only: its peers.json named members that refuse it anyway
    await writeFile(join(dir('V'), 'peers.json'), '{"version":1,"peers":[]}\n').catch(() => {})
    const again = startNode('V')
    assert.equal((await again.waitForExit(STEP_MS)).code, 2, again.describe())
    await again.waitForLine(/^refused: TOKEN_REVOKED /, 1_000)
    const issue = await e2e.procs.run('token issue V', ['token', 'issue', '--dir', dir('L'), '--peer', ids.get('V') ?? ''], STEP_MS)
    assert.equal(issue.code, 1)
    assert.match(issue.stderr, /^error PEER_REVOKED: /m)
  })

  step('5. SIGTERM stops the rest cleanly', async () => {
    const running = [leader, ...[...daemons.values()].filter(p => p.running)]
    for (const proc of running) proc.kill('SIGTERM')
    for (const proc of running) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
