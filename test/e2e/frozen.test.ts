/**
 * A frozen process, end to end: a leader and two nodes as separate `realmesh` OS processes on
 * 127.0.0.1, with keepalives every second (configs/node.yaml's `keepalive`). One node is stopped
 * with SIGSTOP (a paused VM, a laptop lid, a debugger): its TCP connections stay open, so only
 * keepalives can tell. Its members mark it offline with reason `timeout`; after SIGCONT it is a
 * member once more: it joins again itself when it finds it lost every member (the `rejoin` event),
 * or a member that hears of its record again joins it, whichever comes first.
 *
 * Every wait is on a process's output (or exit), bounded generously.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseRealmDescriptor } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000
const SECRET = 's3cret'
// many nodes on one IP (see scenario.ts), and keepalives every second: a silent member is offline
// after at most 1 s + 2 x (1 s + 0.25 s) + 0.25 s
const CONFIG = 'connections:\n  inboundConnectionThreshold: 1000\nkeepalive:\n  intervalMs: 1000\n  timeoutMs: 1000\n  maxMissed: 2\n'

interface Status { joined: boolean, members: string[] }

describe('a frozen node across OS processes', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const config = (): string => join(e2e.root, 'fast-keepalive.yaml')
  let leader: CliProcess
  let leaderId: string
  const nodes = new Map<string, { proc: CliProcess, peerId: string }>()

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  step('1. a leader and two nodes with fast keepalives', async () => {
    await writeFile(config(), CONFIG)
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'frozen', '--dir', dir('L'), '--policy', 'auto', '--join-secret', SECRET])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', config()])
    await leader.waitForLine(/^control api /, STEP_MS)
    const realmFile = join(dir('L'), 'realm.json')
    leaderId = parseRealmDescriptor(await readFile(realmFile, 'utf8')).leader.peerId
    for (const name of ['N1', 'N2']) {
      const proc = e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--config', config(), '--realm', realmFile, '--join-secret', SECRET])
      const [, peerId = ''] = await proc.waitForLine(/^peer id (\S+)$/, STEP_MS)
      nodes.set(name, { proc, peerId })
    }
    for (const { proc, peerId } of nodes.values()) {
      await proc.waitForLine(/^joined realm frozen: /, STEP_MS)
      await leader.waitForLine(new RegExp(`^member joined ${peerId} `), STEP_MS)
    }
  })

  step('2. SIGSTOP: the leader and the other node mark the frozen node offline, reason timeout', async () => {
    const frozen = nodes.get('N1')
    const other = nodes.get('N2')
    assert.ok(frozen != null && other != null)
    // the other node has the frozen one as a member before it freezes
    await other.proc.waitForLine(new RegExp(`^member joined ${frozen.peerId} `), STEP_MS)
    const stoppedAt = Date.now()
    frozen.proc.kill('SIGSTOP')
    const left = new RegExp(`^member left ${frozen.peerId}: (\\S+)`)
    const [, reason] = await leader.waitForLine(left, STEP_MS)
    console.log(`# the leader marked the frozen node offline after ${Date.now() - stoppedAt} ms`)
    assert.equal(reason, 'timeout')
    const [, otherReason] = await other.proc.waitForLine(left, STEP_MS)
    assert.equal(otherReason, 'timeout')
    assert.ok(!(await status('L')).members.includes(frozen.peerId))
    assert.ok(frozen.proc.running, 'stopped, not dead')
  })

  step('3. SIGCONT: the node is a member of the realm once more', async () => {
    const frozen = nodes.get('N1')
    assert.ok(frozen != null)
    const resumedAt = Date.now()
    frozen.proc.kill('SIGCONT')
    // either side may heal it first: the resumed node, finding it lost every member, joins again
    // through its bootstrap address; or a member hears of its record again (from the other node)
    // and joins it
    await leader.waitForLines(new RegExp(`^member joined ${frozen.peerId} `), 2, STEP_MS)
    const how = frozen.proc.stderr.includes('lost every member') ? 'it joined again itself' : 'the leader joined it'
    console.log(`# the resumed node was a member of the leader again after ${Date.now() - resumedAt} ms (${how})`)
    const s = await status('N1')
    assert.equal(s.joined, true)
    assert.ok(s.members.includes(leaderId), 'the leader is its member again')
    assert.ok((await status('L')).members.includes(frozen.peerId))
  })

  step('4. SIGTERM stops every daemon cleanly (exit 0)', async () => {
    const all = [leader, ...[...nodes.values()].map(n => n.proc)]
    for (const proc of all) proc.kill('SIGTERM')
    for (const proc of all) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
