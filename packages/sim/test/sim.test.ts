import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { compareXor } from '@realmesh/token'
import { Keyspace, Random, SimClock, runScenario } from '../src/index.js'

describe('sim', () => {
  it('pnpm sim refuses an unknown flag with what was wrong and the usage (exit 2, no stack trace); --help prints the usage', () => {
    const bin = fileURLToPath(new URL('../src/bin.js', import.meta.url))
    const bad = spawnSync(process.execPath, [bin, '--nodse', '10'], { encoding: 'utf8' })
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /Unknown option '--nodse'/)
    assert.match(bad.stderr, /^usage: pnpm sim/m)
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/)
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })
    assert.equal(help.status, 0)
    assert.match(help.stdout, /^usage: pnpm sim/)
  })

  it('the clock runs callbacks in time order, the same millisecond in the order set, and lets their promise chains settle first', async () => {
    const clock = new SimClock()
    const seen: string[] = []
    clock.setTimeout(() => { seen.push('b@20') }, 20)
    clock.setTimeout(() => { seen.push('a@10') }, 10)
    clock.setTimeout(() => { seen.push('c@20') }, 20)
    const cancelled = clock.setTimeout(() => { seen.push('never') }, 15)
    cancelled.clear()
    void (async () => {
      await clock.sleep(10)
      await Promise.resolve()
      await Promise.resolve()
      seen.push(`chain@${clock.now()}`)
    })()
    await clock.runUntil(100)
    assert.deepEqual(seen, ['a@10', 'chain@10', 'b@20', 'c@20'])
    assert.equal(clock.now(), 100)
  })

  it('the keyspace finds the XOR-closest keys and bucket populations that a scan finds', () => {
    const random = new Random(7)
    const keys = Array.from({ length: 2000 }, () => random.bytes(32))
    const space = new Keyspace(keys.map((key, i) => ({ key, item: i })))
    for (let t = 0; t < 50; t++) {
      const target = random.bytes(32)
      const scan = keys.map((key, i) => ({ key, i })).sort((a, b) => compareXor(target, a.key, b.key)).slice(0, 20).map(e => e.i)
      assert.deepEqual(space.closest(target, 20), scan)
      const populations = space.bucketPopulations(target, 12)
      populations.forEach((population, bits) => {
        const scanned = keys.filter(key => commonPrefix(key, target) === bits).length
        assert.equal(population, scanned, `bucket ${bits}`)
      })
    }
  })

  it('a realm of 150 on realmesh code converges: neighbourhoods complete, kad-dht tables hold them, lookups find the true coordinators, and coordinators move only as far as a join or leave demands', async () => {
    const nodes = 150
    // the quiet window is a whole neighbourhood round (30 s): a shorter one calls a realm settled between two rounds
    const report = await runScenario({ nodes, joinMs: 15_000, quietMs: 30_000, maxSettleMs: 300_000, lookups: 50, subjects: 2000, stabilityChecks: 10, seed: 3 })
    const t = report.convergence
    assert.equal(report.settled, true, 'no table changed for the quiet window')
    // a member may lack one of its k closest when none of the 3 members its rounds ask holds it (see README)
    assert.ok(t.neighbourhoodShare >= 0.995, `share of the true k closest held ${t.neighbourhoodShare}`)
    assert.ok(t.completeNeighbourhoods >= 0.97 * nodes, `complete neighbourhoods ${t.completeNeighbourhoods}/${nodes}`)
    assert.ok(t.kad.completeNeighbourhoods >= t.completeNeighbourhoods, `kad-dht tables with the k closest ${t.kad.completeNeighbourhoods}/${nodes}`)
    assert.ok(t.healthyBuckets / t.buckets >= 0.99, `healthy buckets ${t.healthyBuckets}/${t.buckets}`)
    assert.equal(report.lookups.trueClosest, 50, 'every lookup names the true 3 closest members')
    assert.ok(report.lookups.hops.p99 <= Math.ceil(Math.log2(nodes)), `hops p99 ${report.lookups.hops.p99}`)
    for (const change of [report.stability.join, report.stability.leave]) {
      assert.ok(change.changed > 0 && change.changed < 4 * change.expected, `subjects moved ${change.changed}, expected about ${change.expected}`)
      assert.equal(change.lookupsAgree, change.checked, 'lookups after the change name the new coordinators')
    }
    assert.ok(report.cost.cpuPerEventUs > 0 && report.events > 0)
  })

  it('a warm start hands each member its true closest and some of each bucket, and the join decision builds the same converged realm', async () => {
    const nodes = 150
    // a join and a leave get 5 s (simulated) before their lookups, not a quiet window (--change-settle-ms)
    const report = await runScenario({ nodes, start: 'warm', joinMs: 10_000, quietMs: 30_000, maxSettleMs: 300_000, changeSettleMs: 5_000, lookups: 20, subjects: 1000, stabilityChecks: 5, seed: 5 })
    assert.equal(report.start, 'warm')
    assert.equal(report.joined, nodes)
    assert.equal(report.settled, true, 'no table changed for the quiet window')
    const t = report.convergence
    assert.ok(t.completeNeighbourhoods >= 0.97 * nodes, `complete neighbourhoods ${t.completeNeighbourhoods}/${nodes}`)
    assert.ok(t.healthyBuckets / t.buckets >= 0.99, `healthy buckets ${t.healthyBuckets}/${t.buckets}`)
    assert.equal(report.lookups.trueClosest, 20, 'every lookup names the true 3 closest members')
    for (const change of [report.stability.join, report.stability.leave]) {
      assert.ok(change.settleSeconds <= 5, `a change waited ${change.settleSeconds} s, given 5`)
      assert.ok(change.changed > 0)
      assert.equal(change.lookupsAgree, change.checked, 'lookups 5 s after the change name the new coordinators')
    }
  })

  it('the keyspace gives a bucket as the run of sorted keys that share exactly that many leading bits', () => {
    const random = new Random(11)
    const keys = Array.from({ length: 500 }, () => random.bytes(32))
    const space = new Keyspace(keys.map((key, i) => ({ key, item: i })))
    const target = random.bytes(32)
    for (let bits = 0; bits < 12; bits++) {
      const [lo, hi] = space.bucketRange(target, bits)
      const inRange = new Set(Array.from({ length: hi - lo }, (_, i) => space.itemAt(lo + i)))
      const scanned = new Set(keys.flatMap((key, i) => commonPrefix(key, target) === bits ? [i] : []))
      assert.deepEqual(inRange, scanned, `bucket ${bits}`)
    }
  })
})

function commonPrefix (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length * 8; i++) {
    if ((((a[i >> 3] as number) ^ (b[i >> 3] as number)) >> (7 - (i & 7)) & 1) === 1) return i
  }
  return a.length * 8
}
