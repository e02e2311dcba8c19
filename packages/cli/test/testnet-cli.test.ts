import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runCli } from '../src/index.js'
import { defaultTimeoutMs } from '../src/commands/testnet.js'
import { RecordingIo, errorCode } from './helpers.js'

describe('realmesh testnet', () => {
  test('6 nodes over 2 processes: --json has the issue\'s fields and a --profile, with progress on stderr', async () => {
    const io = new RecordingIo()
    const code = await runCli(['testnet', '--nodes', '6', '--processes', '2', '--lookups', '5', '--quiet-ms', '1000', '--idle-ms', '1000', '--profile', '--json'], io)
    assert.equal(code, 0, io.stderr.join('\n'))
    const report = JSON.parse(io.stdout.join('\n')) as Record<string, unknown> & {
      lookups: { total: number, trueClosest: number }
      hops: { mean: number | null, p99: number | null }
      perNode: { heapMiB: number, rssMiB: number, cpuPercent: number }
      tables: { nodes: number, stale: { entries: number } }
      perProcess: unknown[]
      profile: { total: Array<{ where: string, selfMs: number }>, processes: unknown[] }
      idle: { cpuMsPerMemberPerSecond: number, gcMsPerMemberPerSecond: Record<string, number> }
    }
    assert.equal(report.side, 'realmesh')
    assert.equal(report.nodes, 6)
    assert.equal(report.processes, 2)
    assert.equal(report.settled, true)
    assert.equal(typeof report.settleMs, 'number')
    assert.deepEqual([report.lookups.total, report.lookups.trueClosest], [5, 5])
    assert.equal(typeof report.hops.mean, 'number')
    assert.equal(typeof report.hops.p99, 'number')
    assert.ok(report.perNode.heapMiB > 0 && report.perNode.rssMiB > 0 && report.perNode.cpuPercent >= 0)
    // the GC pauses in the window, by kind, are part of the CPU in it
    const gc = report.idle.gcMsPerMemberPerSecond
    assert.deepEqual(Object.keys(gc).sort(), ['incremental', 'major', 'minor', 'weak'])
    assert.ok(Object.values(gc).every(ms => ms >= 0 && ms <= report.idle.cpuMsPerMemberPerSecond + 1), JSON.stringify(report.idle))
    assert.equal(report.tables.nodes, 7, 'the leader and 6 nodes')
    assert.equal(report.perProcess.length, 3, 'the leader\'s process and 2 node workers')
    assert.ok(report.profile.total.length > 0 && report.profile.total.every(e => e.selfMs >= 0 && e.where !== ''))
    assert.equal(report.profile.processes.length, 3)
    assert.ok(io.stderr.some(l => /^testnet: .*settled/.test(l)), io.stderr.join('\n'))
    assert.ok(io.stderr.some(l => /^testnet: .*5\/5 lookups|^testnet: .*measuring/.test(l)))
  })

  test('--plain: the same figures from plain libp2p + kad-dht nodes over the same processes', async () => {
    const io = new RecordingIo()
    const code = await runCli(['testnet', '--plain', '--nodes', '8', '--processes', '2', '--lookups', '5', '--quiet-ms', '2000', '--idle-ms', '1000', '--json'], io)
    assert.equal(code, 0, io.stderr.join('\n'))
    const report = JSON.parse(io.stdout.join('\n')) as Record<string, unknown> & {
      lookups: { total: number, trueClosest: number, failed: number }
      tables: { nodes: number, joined: number, routingTable: { min: number } }
      perNode: { heapMiB: number }
      perProcess: Array<{ name: string }>
    }
    assert.equal(report.side, 'plain')
    assert.equal(report.settled, true)
    assert.equal(report.tables.nodes, 9, 'the bootstrap node and 8 nodes')
    assert.equal(report.tables.joined, 9, 'every table holds a peer')
    assert.ok(report.tables.routingTable.min >= 1)
    // 9 nodes, k = 20: every table can hold everyone, so a lookup finds the true closest
    assert.deepEqual([report.lookups.total, report.lookups.failed], [5, 0])
    assert.equal(report.lookups.trueClosest, 5)
    assert.ok(report.perNode.heapMiB > 0)
    assert.equal(report.perProcess.length, 3)
    assert.ok(io.stderr.some(l => /plain libp2p \+ kad-dht nodes/.test(l)), io.stderr.join('\n'))
  })

  test('the settle timeout unless told: 20 min up to 400 nodes, then 3 s a node, at most the flag\'s bound (1 h)', () => {
    assert.equal(defaultTimeoutMs(300), 1_200_000)
    assert.equal(defaultTimeoutMs(1000), 3_000_000)
    assert.equal(defaultTimeoutMs(5000), 3_600_000)
  })

  for (const [args, message] of [
    [[], /--nodes/],
    [['--nodes', '2', '--processes', '3'], /--processes: expected an integer from 1 to 2/],
    [['--nodes', '0'], /--nodes: expected an integer from 1 to 5000/],
    [['--nodes', '4', '--quiet-ms', 'soon'], /--quiet-ms: expected an integer/],
    [['--nodes', '4', '--lookups', '-1'], /--lookups/]
  ] as const) {
    test(`refused with USAGE before anything starts: ${args.join(' ') || '(no flags)'}`, async () => {
      const io = new RecordingIo()
      assert.equal(await runCli(['testnet', ...args], io), 1)
      assert.equal(errorCode(io), 'USAGE')
      assert.match(io.stderr.join('\n'), message)
      assert.equal(io.stdout.length, 0)
    })
  }
})
