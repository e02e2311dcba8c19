/**
 * Issue 20, item 3: a sleepy member, every participant a `realmesh` OS process. A leader and 3
 * nodes; N3 sleeps on a wake schedule (`--sleep-schedule 10s/40s`: awake 10 s of every 40 s) and
 * subscribes; N1 publishes 60 messages with acks over 3 minutes, one every 3 s, whether N3 is
 * awake or not. Every publish reports delivered, N3's subscriber prints all 60 once and in order,
 * and no member ever drops N3 (no `member left` line for it anywhere) although it spends three
 * quarters of the run with every connection closed. The delivery delay of each message (its
 * publish started -> the subscriber printed it) is reported, with how often N3 slept and which
 * daemons held its messages.
 *
 * The issue's run (10s/40s, 60 messages, one every 3 s: about 3.5 min) is `./dev test:sleepy`;
 * `./dev test` (and CI) runs its short form: awake 3 s of every 8 s, 12 messages, one a second
 * (about 20 s). SLEEPY_SCHEDULE, SLEEPY_MESSAGES and SLEEPY_EVERY_MS set them.
 * Heavy (`*.heavy.test.ts`): it runs alone, after the other suites (scripts/run-tests.mjs).
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const SCHEDULE = process.env.SLEEPY_SCHEDULE ?? '3s/8s'
const [AWAKE_MS = NaN, PERIOD_MS = NaN] = SCHEDULE.split('/').map(part => parseInt(part) * 1000)
const MESSAGES = Number(process.env.SLEEPY_MESSAGES ?? 12)
const EVERY_MS = Number(process.env.SLEEPY_EVERY_MS ?? 1_000)
const STEP_MS = 90_000
const SECRET = 'a-long-enough-join-secret'
const SUBJECT = 'readings'
const NODES = ['N1', 'N2', 'N3']

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

describe('a sleepy member across OS processes', { timeout: 900_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let ids = new Map<string, string>()
  let daemons = new Map<string, CliProcess>()
  let subscriber: CliProcess
  /** when the subscriber printed each message, by its data */
  const printedAt = new Map<string, number>()

  step(`1. a leader and 3 nodes join, N3 on a wake schedule (${SCHEDULE}); N3 subscribes while it is awake`, async () => {
    const started = await startRealm(e2e, { name: 'sleepy', secret: SECRET, nodes: NODES, stepMs: STEP_MS, nodeArgs: { N3: ['--sleep-schedule', SCHEDULE] } })
    ids = started.ids
    daemons = started.daemons
    const n3 = daemons.get('N3') as CliProcess
    await n3.waitForLine(/^wake schedule: awake /, STEP_MS)
    const status = JSON.parse(await e2e.procs.ok('status', ['status', '--dir', dir('N3'), '--json'])) as { sleep?: { awakeMs: number, periodMs: number, awake: boolean } }
    assert.deepEqual([status.sleep?.awakeMs, status.sleep?.periodMs], [AWAKE_MS, PERIOD_MS])
    subscriber = e2e.procs.start('subscriber', ['subscribe', SUBJECT, '--dir', dir('N3'), '--json'])
    subscriber.child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        const data = /"data":"([^"]*)"/.exec(line)?.[1]
        if (data != null && !printedAt.has(data)) printedAt.set(data, Date.now())
      }
    })
    await subscriber.waitForLine(new RegExp(`^subscribed to ${SUBJECT} `), STEP_MS)
  })

  step(`2. N1 publishes ${MESSAGES} messages with acks, one every ${EVERY_MS} ms: every one is delivered, in order, once`, async () => {
    const startedAt = new Map<string, number>()
    const publishes: Array<Promise<{ code: number | null, stdout: string }>> = []
    for (let i = 1; i <= MESSAGES; i++) {
      const data = String(i)
      startedAt.set(data, Date.now())
      publishes.push(e2e.procs.run(`publish ${data}`, ['publish', SUBJECT, data, '--dir', dir('N1'), '--ack', '--ttl', '120s'], 180_000))
      // the publisher's pace: a message every EVERY_MS, whether N3 is awake or not
      if (i < MESSAGES) await delay(EVERY_MS)
    }
    const results = await Promise.all(publishes)
    const failed = results.map((r, i) => ({ i: i + 1, ...r })).filter(r => r.code !== 0 || !/^delivered /m.test(r.stdout))
    assert.deepEqual(failed, [], `every publish delivered\n${e2e.procs.describe()}`)
    await subscriber.waitForLine(new RegExp(`"data":"${MESSAGES}"`), STEP_MS)
    const lines = subscriber.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as { data: string, id: string })
    assert.deepEqual(lines.map(l => l.data), Array.from({ length: MESSAGES }, (_, i) => String(i + 1)), 'in order, once each')
    assert.equal(new Set(lines.map(l => l.id)).size, MESSAGES)

    const delays = [...startedAt].map(([data, at]) => (printedAt.get(data) ?? NaN) - at).sort((a, b) => a - b)
    const sleeps = (daemons.get('N3') as CliProcess).stderr.split('\n').filter(l => l.startsWith('asleep until ')).length
    const held = [...daemons].filter(([name]) => name !== 'N3').map(([name, proc]) => `${name} ${proc.stderr.split('\n').filter(l => l.startsWith(`member asleep ${ids.get('N3') ?? ''}`)).length}`)
    const prompt = delays.filter(ms => ms < 1_000).length
    console.log(`# ${MESSAGES} messages to N3 (awake ${SCHEDULE}) over ${Math.round(MESSAGES * EVERY_MS / 1000)} s: delivery delay min ${delays[0]} ms, median ${percentile(delays, 0.5)} ms, p90 ${percentile(delays, 0.9)} ms, max ${delays.at(-1)} ms; ${prompt} within 1 s (published while it was awake); N3 slept ${sleeps} times; saw it fall asleep (and held its messages while it slept): ${held.join(', ')}`)
    // it slept in (nearly) every period the publishing lasted
    assert.ok(sleeps >= Math.max(1, Math.floor(MESSAGES * EVERY_MS / PERIOD_MS) - 1), `N3 slept ${sleeps} times`)
  })

  step('3. no member ever dropped N3; SIGTERM stops the subscriber and every daemon cleanly', async () => {
    const n3 = ids.get('N3') ?? ''
    for (const [name, proc] of daemons) {
      if (name === 'N3') continue
      assert.ok(!proc.stderr.includes(`member left ${n3}`), `${name} never dropped N3\n${proc.describe()}`)
      assert.ok(proc.stderr.includes(`member asleep ${n3}`), `${name} saw N3 fall asleep, and kept it`)
    }
    subscriber.kill('SIGTERM')
    assert.equal((await subscriber.waitForExit(STEP_MS)).code, 0)
    for (const [name, proc] of daemons) {
      proc.kill('SIGTERM')
      assert.equal((await proc.waitForExit(STEP_MS)).code, 0, name)
    }
  })
})
