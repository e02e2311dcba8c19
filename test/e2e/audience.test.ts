/**
 * Issue 19, item 8, end to end with every participant a separate `realmesh` OS process: a CLI
 * publisher used to register the public audience, so any member that subscribed to its subject
 * was matched and received its data. Now `publish --audience ID` admits that identity only: a
 * leader and three nodes; N2 subscribes, N1 publishes with `--audience N2`; N3, a member that
 * subscribes to the same subject, is never matched with N1 and gets none of its messages, while
 * its subscription works (a public publisher, N2, reaches it). Each node's own view (`subjects
 * --json`) says who it is matched with and under which audience.
 *
 * Every wait is on a process's output (or exit), bounded; a timeout fails with every process's output.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 30_000
const SECRET = 's3cret-for-the-audience-test'
const NODES = ['N1', 'N2', 'N3']
const SUBJECT = 'telemetry'

interface Line { data: string, from: string }
interface Subjects { subjects: Array<{ subject: string, audience: unknown, counterparts: Array<{ identity: string }> }> }

describe('--audience across OS processes: an uninvited member is never matched', { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  const subscribers = new Map<string, CliProcess>()
  const startedAt = Date.now()
  const id = (name: string): string => ids.get(name) ?? ''
  const received = (proc: CliProcess): Line[] => proc.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)
  const subjectOf = async (name: string): Promise<Subjects['subjects'][number] | undefined> =>
    (JSON.parse(await e2e.procs.ok(`subjects ${name}`, ['subjects', '--dir', dir(name), '--json'])) as Subjects).subjects.find(s => s.subject === SUBJECT)

  async function subscribe (name: string): Promise<void> {
    const proc = e2e.procs.start(`subscribe ${name}`, ['subscribe', SUBJECT, '--dir', dir(name), '--json'])
    subscribers.set(name, proc)
    await proc.waitForLine(new RegExp(`^subscribed to ${SUBJECT} .*audience public\\)$`), STEP_MS)
  }

  step('1. a leader and three nodes join', async () => {
    const started = await startRealm(e2e, { name: 'audience', secret: SECRET, nodes: NODES, stepMs: STEP_MS })
    for (const [name, peerId] of started.ids) ids.set(name, peerId)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
  })

  step('2. N1 publishes for N2 only: N2 gets every message; N3, subscribed once N1\'s interest is registered, is never matched and gets none', async () => {
    await subscribe('N2')
    const publish = async (data: string): Promise<string> => {
      const result = await e2e.procs.run(`publish ${data}`, ['publish', SUBJECT, data, '--dir', dir('N1'), '--ack', '--audience', id('N2')], STEP_MS)
      assert.equal(result.code, 0, `publish ${data}\n${e2e.procs.describe()}`)
      return result.stdout
    }
    // one receiver, and only N2: N3 subscribes once N1's interest is registered, and again is not matched
    assert.equal(await publish('1'), `delivered ...${id('N2').slice(-8)}`)
    await subscribe('N3')
    for (const data of ['2', '3']) assert.equal(await publish(data), `delivered ...${id('N2').slice(-8)}`)
    await subscribers.get('N2')?.waitForLine(/"data":"3"/, STEP_MS)
    assert.deepEqual(received(subscribers.get('N2') as CliProcess).map(l => [l.data, l.from]), [['1', id('N1')], ['2', id('N1')], ['3', id('N1')]])

    // N3's subscription works: a public publisher on the subject (N2) reaches it
    const control = await e2e.procs.run('publish from N2', ['publish', SUBJECT, 'public', '--dir', dir('N2'), '--ack'], STEP_MS)
    assert.equal(control.code, 0, control.stderr)
    assert.equal(control.stdout, `delivered ...${id('N3').slice(-8)}`)
    const n3 = subscribers.get('N3') as CliProcess
    await n3.waitForLine(/"data":"public"/, STEP_MS)
    assert.deepEqual(received(n3).map(l => [l.data, l.from]), [['public', id('N2')]], 'N3 got nothing of N1\'s')

    // each node's own view: N1 (audience N2) is matched with N2 alone; N3 with N2 (the public publisher), never N1
    const n1 = await subjectOf('N1')
    assert.deepEqual(n1?.audience, { kind: 'identities', ids: [id('N2')] })
    assert.deepEqual(n1?.counterparts.map(c => c.identity), [id('N2')])
    assert.deepEqual((await subjectOf('N3'))?.counterparts.map(c => c.identity), [id('N2')])
    assert.doesNotMatch((daemons.get('N1') as CliProcess).stderr, new RegExp(`matched with receiver ${id('N3')}`))
    assert.doesNotMatch((daemons.get('N3') as CliProcess).stderr, new RegExp(`matched with sender ${id('N1')}`))
  })

  step('3. SIGTERM stops the subscribers and every daemon cleanly', async () => {
    const running = [...subscribers.values(), ...daemons.values()].filter(p => p.running)
    for (const proc of running) proc.kill('SIGTERM')
    const exits = await Promise.all(running.map(async proc => ({ name: proc.name, exit: await proc.waitForExit(STEP_MS) })))
    for (const { name, exit } of exits) assert.equal(exit.code, 0, `${name} exits with 0`)
    console.log(`# audience e2e: N3 never matched with N1 (audience N2), ${Date.now() - startedAt} ms in all`)
  })
})
