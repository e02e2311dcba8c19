// The settle rule of the multi-process testnet (src/procs/settle.ts) on reports made up here:
// quiet means no routing-table change anywhere for the window, in which every worker ran.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { whenQuiet } from '../src/procs/settle.js'
import type { Report } from '../src/procs/protocol.js'
import type { SettleSource } from '../src/procs/settle.js'

const QUIET_MS = 600
const REPORT_MS = 20

function fakeWorkers (count: number): { source: SettleSource, report: (i: number, change?: Partial<Report>) => void } {
  const spawnedAt = Date.now() - 10_000
  const workers = Array.from({ length: count }, (_, i) => ({ name: `w${i}`, spawnedAt, reportAt: 0, report: undefined as Report | undefined }))
  const listeners = new Set<() => void>()
  const report = (i: number, change: Partial<Report> = {}): void => {
    const w = workers[i]
    if (w == null) return
    const before: Report = w.report ?? { type: 'report', lastChangeAt: 0, changes: 0, maxGapMs: 0, joined: 5, running: 5, minTable: 4, sumTable: 20 }
    w.report = { ...before, maxGapMs: 0, ...change }
    w.reportAt = Date.now()
    for (const l of listeners) l()
  }
  return {
    source: { workers: () => workers, onReport: (l) => { listeners.add(l); return () => listeners.delete(l) }, expected: () => 5 * count },
    report
  }
}

/** every worker reports every REPORT_MS (a worker's own ticker), with `change` from `script` */
function reporting (fake: ReturnType<typeof fakeWorkers>, count: number, script: (tick: number) => Array<Partial<Report> | undefined>): () => void {
  let tick = 0
  const timer = setInterval(() => {
    const changes = script(tick++)
    for (let i = 0; i < count; i++) fake.report(i, changes[i])
  }, REPORT_MS)
  return () => { clearInterval(timer) }
}

test('settled once no table changed for the window; the settle time is the last change', async () => {
  const fake = fakeWorkers(2)
  let lastChange = 0
  // worker 1's tables change for the first 5 ticks
  const stop = reporting(fake, 2, (tick) => tick < 5 ? [undefined, { lastChangeAt: (lastChange = Date.now()), changes: tick }] : [])
  const result = await whenQuiet(fake.source, { quietMs: QUIET_MS, timeoutMs: 10_000, reportMs: REPORT_MS })
  stop()
  assert.equal(result.settled, true)
  // the last change, or later when this loaded process itself went silent for longer than the rule allows
  assert.ok(result.lastChangeAt >= lastChange)
  assert.ok(Date.now() - lastChange >= QUIET_MS)
  assert.deepEqual([result.running, result.joined, result.minTable, result.meanTable], [10, 10, 4, 4])
})

test('a worker whose event loop stalled for more than a quarter of the window starts it again', async () => {
  const fake = fakeWorkers(2)
  let stalledAt = 0
  // at tick 3 worker 0 reports a stall of 200 ms (> 600 / 4): the window restarts there
  const stop = reporting(fake, 2, (tick) => tick === 3 ? [{ maxGapMs: 200 }, undefined] : [])
  const result = await whenQuiet(fake.source, {
    quietMs: QUIET_MS,
    timeoutMs: 5_000,
    reportMs: REPORT_MS,
    onProgress: () => { if (stalledAt === 0 && fake.source.workers()[0]?.report?.maxGapMs === 200) stalledAt = Date.now() }
  })
  stop()
  assert.equal(result.settled, true)
  assert.ok(stalledAt > 0, 'the stall was reported')
  assert.ok(Date.now() - stalledAt >= QUIET_MS - REPORT_MS, 'quiet counted from the stall, not from before it')
})

test('not settled while a node has not joined, or a worker is silent: settled false at the time limit', async () => {
  const fake = fakeWorkers(2)
  const stop = reporting(fake, 2, () => [{ joined: 4 }])
  const result = await whenQuiet(fake.source, { quietMs: 100, timeoutMs: 600, reportMs: REPORT_MS })
  stop()
  assert.equal(result.settled, false)
  assert.equal(result.joined, 9)

  const silent = fakeWorkers(2)
  // worker 1 reports once and then never again
  silent.report(1)
  const stopSilent = reporting(silent, 1, () => [])
  const quiet = await whenQuiet(silent.source, { quietMs: 100, timeoutMs: 600, reportMs: REPORT_MS })
  stopSilent()
  assert.equal(quiet.settled, false)
})

test('the caller\'s signal ends the wait', async () => {
  const fake = fakeWorkers(1)
  await assert.rejects(whenQuiet(fake.source, { quietMs: 1_000, timeoutMs: 5_000, reportMs: REPORT_MS, signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' })
})
