/**
 * Onboarding end to end (issues 18.4 and 19.4): a leader with manual approval and node daemons that
 * ask it for a token, as separate `realmesh` OS processes on 127.0.0.1. A node stopped with Ctrl-C
 * while it waits withdraws its request: it leaves `leader pending` at once (not after the leader's
 * 60 s grace), and approving its id is REQUEST_UNKNOWN. `leader deny --all` clears what waits.
 *
 * Every wait is on a process's output (or exit), bounded generously.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 30_000

interface Pending { id: string, kind: string, peer: string, address?: string }

describe('onboarding across OS processes', { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let leader: CliProcess
  let first: { proc: CliProcess, peerId: string, requestId: string }

  async function pending (): Promise<Pending[]> {
    return JSON.parse(await e2e.procs.ok('leader pending', ['leader', 'pending', '--dir', dir('L'), '--json'])) as Pending[]
  }

  /** a node daemon without a token; resolves once it waits for the operator, with its request id */
  async function waitingNode (name: string): Promise<{ proc: CliProcess, peerId: string, requestId: string }> {
    const proc = e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--config', e2e.config, '--realm', join(dir('L'), 'realm.json')])
    const [, peerId = ''] = await proc.waitForLine(/^peer id (\S+)$/, STEP_MS)
    const [, requestId = ''] = await proc.waitForLine(/^waiting for approval: token request (\S+) /, STEP_MS)
    return { proc, peerId, requestId }
  }

  step('1. a node without a token waits for the operator; its request is listed with its address', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'onboarding', '--dir', dir('L')])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    await leader.waitForLine(/^control api /, STEP_MS)
    first = await waitingNode('N1')
    const { peerId, requestId } = first
    await leader.waitForLine(new RegExp(`^pending request ${requestId} from ${peerId}`), STEP_MS)
    assert.deepEqual((await pending()).map(r => [r.id, r.kind, r.peer, r.address]), [[requestId, 'token', peerId, '127.0.0.1']])
  })

  step('2. Ctrl-C: the request is withdrawn before the daemon stops and leaves the list at once; approve of it is REQUEST_UNKNOWN', async () => {
    const { proc, peerId, requestId } = first
    const stopped = Date.now()
    proc.kill('SIGINT')
    assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
    assert.match(proc.stderr, new RegExp(`^token request ${requestId} withdrawn at the leader$`, 'm'))
    await leader.waitForLine(new RegExp(`^request ${requestId} from ${peerId} cancelled: withdrawn by its node$`), 5_000)
    assert.ok(Date.now() - stopped < 10_000, 'well within the leader\'s 60 s grace')
    assert.deepEqual(await pending(), [])
    const approve = await e2e.procs.run('leader approve', ['leader', 'approve', requestId, '--dir', dir('L')])
    assert.equal(approve.code, 1)
    assert.match(approve.stderr, /^error REQUEST_UNKNOWN: /m)
  })

  step('3. deny --older-than spares recent requests; deny --all refuses every waiting node (exit 2)', async () => {
    const nodes = await Promise.all(['N2', 'N3'].map(waitingNode))
    assert.equal((await pending()).length, 2)
    assert.equal(await e2e.procs.ok('deny --older-than', ['leader', 'deny', '--older-than', '1h', '--dir', dir('L')]), 'denied 0 requests waiting 1h or longer')
    assert.equal(await e2e.procs.ok('deny --all', ['leader', 'deny', '--all', '--reason', 'not today', '--dir', dir('L')]), 'denied 2 requests')
    for (const { proc } of nodes) {
      assert.equal((await proc.waitForExit(STEP_MS)).code, 2, proc.describe())
      assert.match(proc.stderr, /^refused: TOKEN_REQUEST_DENIED \(not today\)$/m)
    }
    assert.deepEqual(await pending(), [])
    const both = await e2e.procs.run('deny ID --all', ['leader', 'deny', 'x', '--all', '--dir', dir('L')])
    assert.equal(both.code, 1)
    assert.match(both.stderr, /^error USAGE: /m)
  })

  step('4. SIGTERM stops the leader cleanly', async () => {
    leader.kill('SIGTERM')
    assert.equal((await leader.waitForExit(STEP_MS)).code, 0, leader.describe())
  })
})
