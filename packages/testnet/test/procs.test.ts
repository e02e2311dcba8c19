// The multi-process testnet (issue 23 item 1): a realm of 20 nodes over 2 worker processes settles
// by the quiet-window rule, lookups find the true closest member, a SIGKILLed worker's nodes leave
// every table and come back when it restarts, subjects deliver across processes, and no worker
// outlives a parent that was SIGKILLed.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createProcTestnet } from '../src/index.js'
import type { ProcTestnet } from '../src/index.js'

const QUIET_MS = 2_000

describe('a realm of 20 nodes over 2 worker processes', () => {
  let net: ProcTestnet

  before(async () => {
    // a killed node leaves a table 2 s after its connections closed (10 s by default)
    net = await createProcTestnet({ nodes: 20, processes: 2, nodeOptions: { disconnectGraceMs: 2_000 }, signal: AbortSignal.timeout(60_000) })
  })
  after(async () => { await net?.stop() })

  test('settles, every table holds its true k closest, and lookups find the true closest member', async (t) => {
    const settle = await net.whenSettled({ quietMs: QUIET_MS, timeoutMs: 60_000 })
    assert.equal(settle.settled, true)
    assert.equal(settle.running, 21)
    assert.equal(net.processes.length, 3, 'the leader\'s worker and 2 node workers')
    const health = await net.whenHealthy({ timeoutMs: 30_000 })
    assert.equal(health.healthy, true, JSON.stringify(health.health))
    const lookups = await net.lookups(20)
    t.diagnostic(`settled ${settle.settleMs} ms after the call; lookups ${lookups.trueClosest}/${lookups.total} true closest, hops mean ${lookups.hops.mean}`)
    assert.equal(lookups.trueClosest, 20, JSON.stringify(lookups.errors))
    assert.equal(lookups.hops.mean != null, true)
    // the slowest lookups say how long they took and the query they waited on longest
    assert.equal(lookups.slowest.length, 3)
    for (const slow of lookups.slowest) assert.match(slow, /^\d+ ms, \d+ queries, \d+ failed(; slowest query \d+ ms( \(\d+ opening the stream\))? to \w+(, a member|, connected, not a member|, not connected)? \(.+\))?$/)
    // a lookup's trace says what its walk did with the peers closest to the key: the true closest answered
    for (const subject of ['trace-a', 'trace-b', 'trace-c']) {
      const { answer, truth } = await net.lookup(1, subject)
      if (truth === net.peerId(1)) continue
      assert.equal(answer.trace.find(p => p.peer === truth)?.status, 'answered', JSON.stringify(answer.trace))
      assert.ok(answer.trace.length <= 8)
      // a walk that asked anyone and heard back knows its slowest query
      if (answer.trace.some(p => p.status === 'answered')) assert.notEqual(answer.slowestQuery, undefined, JSON.stringify(answer))
      if (answer.slowestQuery != null) assert.ok(answer.slowestQuery.ms >= (answer.slowestQuery.openMs ?? 0) && answer.slowestQuery.ms <= answer.ms, JSON.stringify(answer.slowestQuery))
    }
  })

  test('a SIGKILLed worker\'s nodes leave every routing table; restarted, they are back and lookups still find the true closest', async (t) => {
    const pid = net.processes[2]?.pid ?? -1
    await net.killWorker(1)
    assert.throws(() => process.kill(pid, 0), /ESRCH/)
    assert.equal(net.members().length, 11)
    const gone = await net.whenHealthy({ timeoutMs: 45_000 })
    assert.equal(gone.healthy, true, JSON.stringify(gone.health))
    assert.equal(gone.health.nodes, 11)
    await net.restartWorker(1)
    const back = await net.whenHealthy({ timeoutMs: 45_000 })
    assert.equal(back.healthy, true, JSON.stringify(back.health))
    assert.equal(back.health.nodes, 21)
    t.diagnostic(`the killed worker's 10 nodes gone from every table in ${gone.ms} ms, back in ${back.ms} ms`)
    const lookups = await net.lookups(10)
    assert.equal(lookups.trueClosest, 10, JSON.stringify(lookups.errors))
  })

  test('a node stopped and started again; an acked message between two workers', async () => {
    await net.stopNode(4, { abrupt: true })
    assert.equal(net.running(4), false)
    await assert.rejects(net.lookup(4, 'x'), { code: 'TESTNET_NODE_NOT_RUNNING' })
    await net.startNode(4)
    await net.subscribe(4, 'greetings')
    const sent = await net.publish(7, 'greetings', 42)
    assert.equal(sent.status, 'delivered')
    assert.deepEqual(await net.received(4, 'greetings'), [42])
    assert.equal((await net.coordinators(4, 'greetings')).length, 3)
  })
})

test('bad options are refused with TESTNET_OPTION_INVALID before any process starts', async () => {
  await assert.rejects(createProcTestnet({ nodes: 0, processes: 1 }), { code: 'TESTNET_OPTION_INVALID' })
  await assert.rejects(createProcTestnet({ nodes: 2, processes: 3 }), { code: 'TESTNET_OPTION_INVALID' })
})

test('a worker killed from outside (not by killWorker) ends the waits with TESTNET_WORKER_EXITED, naming it, instead of holding them to their timeouts', async () => {
  const net = await createProcTestnet({ nodes: 4, processes: 2, signal: AbortSignal.timeout(60_000) })
  try {
    const victim = net.processes.find(p => p.name === 'worker 1')
    assert.ok(victim != null)
    process.kill(victim.pid, 'SIGKILL')
    const started = Date.now()
    await assert.rejects(net.whenSettled({ quietMs: 60_000, timeoutMs: 600_000 }), (err: Error & { code?: string }) => err.code === 'TESTNET_WORKER_EXITED' && err.message.includes('worker 1') && err.message.includes('SIGKILL'))
    assert.ok(Date.now() - started < 60_000, 'not held to the quiet window or the timeout')
    await assert.rejects(net.whenHealthy({ timeoutMs: 600_000 }), { code: 'TESTNET_WORKER_EXITED' })
  } finally {
    await net.stop()
  }
})

test('no worker outlives a parent that was SIGKILLed', async () => {
  const parent = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/proc-parent.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] })
  const pids = await new Promise<number[]>((resolve, reject) => {
    parent.stdout.setEncoding('utf8')
    parent.stdout.once('data', (line: string) => { resolve(JSON.parse(line) as number[]) })
    parent.once('exit', (code) => { reject(new Error(`the parent exited (${code}) before printing its workers`)) })
  })
  assert.equal(pids.length, 3)
  for (const pid of pids) process.kill(pid, 0)
  parent.kill('SIGKILL')
  await whenGone(pids, 10_000)
})

/**
 * Resolves once no process in `pids` exists. They are the children of another process, so this
 * one gets no exit event for them: it checks every 50 ms, until `timeoutMs`.
 */
async function whenGone (pids: number[], timeoutMs: number): Promise<void> {
  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }
  const deadline = Date.now() + timeoutMs
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still running ${timeoutMs} ms after their parent was killed: ${pids.filter(alive).join(', ')}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
