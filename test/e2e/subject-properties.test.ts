/**
 * Issue 25 (seed 001's message properties through the CLI), end to end with every participant a
 * separate `realmesh` OS process: a leader and three nodes. N2 subscribes and N1 publishes with
 * property flags; `subjects --json` on each shows the properties its daemon uses (the ones given,
 * the defaults for the rest), a message above the subscriber's `--max-message-bytes` is refused
 * with its code, and a bad flag is a usage error that sends nothing. The subscriber's JSON lines
 * carry the message's metadata (received-at time, the sender's attributes, hops). A subscription
 * with `--filter` gets only the messages whose attributes (the intent's from `--intent-attr`, the
 * message's own from `--attr`) match it; the publisher of one that does not is told MESSAGE_FILTERED.
 * `publish --to PEER` reaches that one of the subject's receivers alone.
 *
 * Every wait is on a process's output (or exit), bounded; a timeout fails with every process's output.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 30_000
const SUBJECT = 'orders'

interface Properties {
  threshold: number
  interestTtlSeconds: number
  refreshMs: number
  receive?: { ack: string, maxMessageBytes: number, maxParallel: number }
  publish?: { maxMessageBytes: number, cache: { size: number, policy: string, whenFull: string }, maxParallel: number }
}
interface Line { data: string, from: string, receivedAt: number, senderAttrs: Record<string, string>, attrs: Record<string, string>, hops: number }

describe('subject properties through the CLI', { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let subscriber: CliProcess | undefined
  const propertiesOf = async (name: string): Promise<Properties | undefined> => {
    const out = JSON.parse(await e2e.procs.ok(`subjects ${name}`, ['subjects', '--dir', dir(name), '--json'])) as { subjects: Array<{ subject: string, properties: Properties }> }
    return out.subjects.find(s => s.subject === SUBJECT)?.properties
  }

  step('1. a leader and three nodes join', async () => {
    const started = await startRealm(e2e, { name: 'props', secret: 's3cret-for-the-properties-test', nodes: ['N1', 'N2', 'N3'], stepMs: STEP_MS })
    for (const [name, peerId] of started.ids) ids.set(name, peerId)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
  })

  step('2. a bad property flag is a usage error, and nothing reaches the daemon', async () => {
    for (const [flags, says] of [
      [['--cache-policy', 'middle'], /--cache-policy is fifo or lifo/],
      [['--threshold', '0'], /--threshold is an integer in 1\.\./],
      [['--max-parallel', '2000'], /--max-parallel is an integer in 1\.\.1024/],
      [['--retries', 'many'], /--retries is a whole number/],
      [['--interest-ttl', 'soon'], /DURATION_INVALID/]
    ] as const) {
      const result = await e2e.procs.run(`publish ${flags.join(' ')}`, ['publish', SUBJECT, 'x', '--dir', dir('N1'), ...flags], STEP_MS)
      assert.equal(result.code, 1, result.stderr)
      assert.match(result.stderr, says)
    }
    assert.equal(await propertiesOf('N1'), undefined, 'no subject was registered')
  })

  step('3. subscribe and publish with property flags: subjects --json shows them, and the defaults of the rest', async () => {
    subscriber = e2e.procs.start('subscribe N2', ['subscribe', SUBJECT, '--dir', dir('N2'), '--json', '--threshold', '50', '--interest-ttl', '120s', '--refresh', '30s', '--max-message-bytes', '2048', '--max-parallel', '8'])
    await subscriber.waitForLine(/^subscribed to orders /, STEP_MS)
    const published = await e2e.procs.run('publish 1', ['publish', SUBJECT, 'first', '--dir', dir('N1'), '--ack', '--threshold', '7', '--cache-size', '5', '--cache-policy', 'lifo', '--cache-when-full', 'reject', '--retries', '3', '--max-parallel', '16'], STEP_MS)
    assert.equal(published.code, 0, `${published.stderr}\n${e2e.procs.describe()}`)
    assert.deepEqual(await propertiesOf('N2'), { threshold: 50, interestTtlSeconds: 120, refreshMs: 30_000, receive: { ack: 'destination', maxMessageBytes: 2048, maxParallel: 8 } })
    assert.deepEqual(await propertiesOf('N1'), { threshold: 7, interestTtlSeconds: 300, refreshMs: 100_000, publish: { maxMessageBytes: 1_048_576, cache: { size: 5, policy: 'lifo', whenFull: 'reject' }, maxParallel: 16 } })
  })

  step('4. a message above the subscriber\'s --max-message-bytes is refused with its code; the next one is delivered', async () => {
    const big = await e2e.procs.run('publish big', ['publish', SUBJECT, 'x'.repeat(3000), '--dir', dir('N1'), '--ack'], STEP_MS)
    assert.equal(big.code, 1)
    assert.equal(big.stdout, `rejected ...${(ids.get('N2') ?? '').slice(-8)} (MESSAGE_TOO_LARGE)`)
    assert.equal((await e2e.procs.run('publish 2', ['publish', SUBJECT, 'second', '--dir', dir('N1'), '--ack'], STEP_MS)).code, 0)
    const sub = subscriber as CliProcess
    await sub.waitForLine(/"data":"second"/, STEP_MS)
    const lines = sub.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)
    assert.deepEqual(lines.map(l => l.data), ['first', 'second'])
    // the metadata of each: when N2's daemon received it, N1's attributes (none in its token), one hop
    for (const line of lines) {
      assert.equal(line.from, ids.get('N1'))
      assert.ok(typeof line.receivedAt === 'number' && Math.abs(Date.now() - line.receivedAt) < 60_000, `receivedAt ${line.receivedAt}`)
      assert.deepEqual(line.senderAttrs, {})
      assert.equal(line.hops, 1)
    }
  })

  step('5. --filter on subscribe, --intent-attr and --attr on publish: a message that does not match is refused with MESSAGE_FILTERED', async () => {
    const filtered = e2e.procs.start('subscribe N2 filtered', ['subscribe', 'shipments', '--dir', dir('N2'), '--json', '--filter', 'stage=prod', '--filter', 'stage=staging'])
    await filtered.waitForLine(/^subscribed to shipments /, STEP_MS)
    const publish = async (data: string, attr: string): Promise<{ code: number | null, stdout: string }> =>
      e2e.procs.run(`publish ${data}`, ['publish', 'shipments', data, '--dir', dir('N1'), '--ack', '--intent-attr', 'site=plant', '--attr', attr], STEP_MS)
    const test = await publish('for test', 'stage=test')
    assert.equal(test.code, 1)
    assert.equal(test.stdout, `rejected ...${(ids.get('N2') ?? '').slice(-8)} (MESSAGE_FILTERED)`)
    assert.equal((await publish('for prod', 'stage=prod')).code, 0)
    assert.equal((await publish('for staging', 'stage=staging')).code, 0)
    await filtered.waitForLine(/"data":"for staging"/, STEP_MS)
    const lines = filtered.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)
    assert.deepEqual(lines.map(l => [l.data, l.attrs]), [['for prod', { site: 'plant', stage: 'prod' }], ['for staging', { site: 'plant', stage: 'staging' }]])
    const bad = await e2e.procs.run('publish bad attr', ['publish', 'shipments', 'x', '--dir', dir('N1'), '--attr', 'novalue'], STEP_MS)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /--attr: expected KEY=VALUE/)
  })

  step('6. publish --to one of two subscribers: only that one gets it', async () => {
    const subs = await Promise.all(['N2', 'N3'].map(async (name) => {
      const proc = e2e.procs.start(`subscribe ${name} alerts`, ['subscribe', 'alerts', '--dir', dir(name), '--json'])
      await proc.waitForLine(/^subscribed to alerts /, STEP_MS)
      return proc
    }))
    // N1's first publish waits in its cache and makes it a sender: it is matched with each subscriber
    assert.equal((await e2e.procs.run('publish alerts first', ['publish', 'alerts', 'first', '--dir', dir('N1')], STEP_MS)).code, 0)
    const n1 = daemons.get('N1') as CliProcess
    for (const name of ['N2', 'N3']) await n1.waitForLine(new RegExp(`^subject alerts matched with receiver ${ids.get(name) ?? ''}`), STEP_MS)
    const both = await e2e.procs.run('publish alerts all', ['publish', 'alerts', 'to all', '--dir', dir('N1'), '--ack'], STEP_MS)
    assert.equal(both.code, 0)
    const to = await e2e.procs.run('publish --to N3', ['publish', 'alerts', 'to N3', '--dir', dir('N1'), '--ack', '--to', ids.get('N3') ?? ''], STEP_MS)
    assert.equal(to.code, 0, to.stderr)
    assert.equal(to.stdout, `delivered ...${(ids.get('N3') ?? '').slice(-8)}`)
    await subs[1]?.waitForLine(/"data":"to N3"/, STEP_MS)
    const data = (proc: CliProcess | undefined): string[] => (proc?.stdout ?? '').split('\n').filter(l => l.trim() !== '').map(l => (JSON.parse(l) as Line).data)
    // 'first' went to the first receiver matched
    assert.deepEqual([data(subs[0]).filter(d => d !== 'first'), data(subs[1]).filter(d => d !== 'first')], [['to all'], ['to all', 'to N3']])
  })
})
