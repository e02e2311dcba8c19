/**
 * A durable subscription end to end (issue 20, item 1), every participant a separate `realmesh`
 * OS process: a leader and 3 nodes. `subscribe S --durable d1` on N3, stopped with SIGINT; 20
 * messages published with `--ack` from N1 all report delivered (N3's daemon stored each before it
 * acked); N3's daemon is SIGKILLed and started again on the same data dir; `subscribe S --durable
 * d1 --json` then prints the 20, in order, each once, followed by messages published afterwards.
 *
 * Every wait is on a process's output (or exit), bounded generously; a timeout fails with the
 * output of every process.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 90_000
const SECRET = 'a-long-join-secret-for-this-test'
const SUBJECT = 'invoices'
const COUNT = 20

interface Line { durable: string, seq: number, id: string, from: string, data: string }

describe('a durable subscription across a SIGKILL of its daemon', { timeout: 600_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let n3: CliProcess
  let subscriber: CliProcess
  const startedAt = Date.now()

  const lines = (proc: CliProcess): Line[] => proc.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)

  async function publish (data: string): Promise<void> {
    const result = await e2e.procs.run(`publish ${data}`, ['publish', SUBJECT, data, '--dir', dir('N1'), '--ack'], STEP_MS)
    assert.equal(result.code, 0, `publish ${data}\n${e2e.procs.describe()}`)
    assert.match(result.stdout, new RegExp(`^delivered \\.\\.\\.${(ids.get('N3') ?? '').slice(-8)}$`))
  }

  async function durableStatus (): Promise<{ name: string, stored: number, pending: number, attached: boolean }> {
    const listed = JSON.parse(await e2e.procs.ok('subscriptions', ['subscriptions', '--dir', dir('N3'), '--json'])) as { subscriptions: Array<{ name: string, stored: number, pending: number, attached: boolean }> }
    const d1 = listed.subscriptions.find(s => s.name === 'd1')
    assert.ok(d1 != null, JSON.stringify(listed))
    return d1
  }

  step('1. a leader and 3 nodes join', async () => {
    const started = await startRealm(e2e, { name: 'durable', secret: SECRET, nodes: ['N1', 'N2', 'N3'], stepMs: STEP_MS })
    for (const [name, peerId] of started.ids) ids.set(name, peerId)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
    n3 = started.daemons.get('N3') as CliProcess
  })

  step('2. subscribe --durable d1 on N3, stopped with SIGINT: the subscription stays', async () => {
    const first = e2e.procs.start('first subscribe', ['subscribe', SUBJECT, '--durable', 'd1', '--dir', dir('N3')])
    await first.waitForLine(new RegExp(`^subscribed to ${SUBJECT} as durable d1: 0 stored`), STEP_MS)
    first.kill('SIGINT')
    assert.equal((await first.waitForExit(STEP_MS)).code, 0)
    const status = await durableStatus()
    assert.equal(status.stored, 0)
    assert.equal(status.attached, false)
  })

  step(`3. ${COUNT} messages published with --ack from N1 all report delivered, and N3 stored them`, async () => {
    for (let i = 1; i <= COUNT; i++) await publish(`m${i}`)
    const status = await durableStatus()
    assert.equal(status.stored, COUNT)
    assert.equal(status.pending, COUNT)
  })

  step('4. N3\'s daemon is SIGKILLed and started again on its data dir: d1 is registered again', async () => {
    n3.kill('SIGKILL')
    assert.equal((await n3.waitForExit(STEP_MS)).signal, 'SIGKILL')
    n3 = e2e.procs.start('N3 again', ['node', 'start', '--dir', dir('N3'), '--config', e2e.config])
    daemons.set('N3', n3)
    await n3.waitForLine(/^joined realm durable: /, STEP_MS)
    await n3.waitForLine(new RegExp(`^durable subscription d1 \\(${SUBJECT}\\) registered: receiving$`), STEP_MS)
    assert.equal((await durableStatus()).stored, COUNT)
  })

  step(`5. subscribe --durable d1 --json prints the ${COUNT}, in order, each once, then messages published afterwards`, async () => {
    subscriber = e2e.procs.start('subscriber', ['subscribe', SUBJECT, '--durable', 'd1', '--dir', dir('N3'), '--json'])
    await subscriber.waitForLine(new RegExp(`^subscribed to ${SUBJECT} as durable d1: ${COUNT} stored, ${COUNT} not consumed`), STEP_MS)
    await subscriber.waitForLine(new RegExp(`"data":"m${COUNT}"`), STEP_MS)
    for (const data of ['after 1', 'after 2']) await publish(data)
    await subscriber.waitForLine(/"data":"after 2"/, STEP_MS)
    const got = lines(subscriber)
    assert.deepEqual(got.map(l => l.data), [...Array.from({ length: COUNT }, (_, i) => `m${i + 1}`), 'after 1', 'after 2'])
    assert.equal(new Set(got.map(l => l.id)).size, COUNT + 2)
    assert.deepEqual(got.map(l => l.seq), Array.from({ length: COUNT + 2 }, (_, i) => i + 1))
    assert.ok(got.every(l => l.durable === 'd1' && l.from === ids.get('N1')))
    subscriber.kill('SIGINT')
    assert.equal((await subscriber.waitForExit(STEP_MS)).code, 0)
    const status = await durableStatus()
    assert.equal(status.pending, 0)
    assert.equal(status.attached, false)
  })

  step('6. unsubscribe frees it; SIGTERM stops every daemon cleanly', async () => {
    assert.equal(await e2e.procs.ok('unsubscribe', ['unsubscribe', 'd1', '--dir', dir('N3')]), `unsubscribed d1: ${COUNT + 2} stored messages deleted`)
    assert.equal(await e2e.procs.ok('subscriptions', ['subscriptions', '--dir', dir('N3')]), 'no durable subscriptions')
    for (const proc of daemons.values()) proc.kill('SIGTERM')
    for (const [name, proc] of daemons) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, `${name} exits with 0\n${proc.describe()}`)
    console.log(`# durable e2e: ${COUNT} messages stored across a SIGKILL, ${Date.now() - startedAt} ms in all`)
  })
})
