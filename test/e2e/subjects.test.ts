/**
 * Subjects end to end, every participant a separate `realmesh` OS process: a leader and 6 nodes; a
 * subscriber on one node and a publisher on another; with acks every message arrives once and in
 * order. Then the subject's coordinator (the member closest to the subject key, computed from the
 * full member list) is killed with SIGKILL mid-stream: publishing goes on and no acked message is
 * lost; a subscriber that comes after the crash is still matched with the publisher (the other
 * replicas kept its interest).
 *
 * Every wait is on a process's output (or exit), bounded generously; a timeout fails with the
 * output of every process.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { closestTo, parseRealmDescriptor, subjectKey } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 90_000
const SECRET = 's3cret'
const NODES = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6']
/** messages published before, and after, the coordinator is killed */
const BEFORE_KILL = 10
const TOTAL = 30

interface Line { data: string, from: string, seq: number, id: string }

describe('subjects across OS processes', { timeout: 900_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let subject = 'greetings'
  let roles: { coordinator: string, subscriber: string, publisher: string, late: string }
  let subscriber: CliProcess
  const startedAt = Date.now()

  /** messages a subscriber printed, parsed */
  const received = (proc: CliProcess): Line[] => proc.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)

  async function publish (from: string, data: string): Promise<{ code: number | null, stdout: string, stderr: string }> {
    return e2e.procs.run(`publish ${data}`, ['publish', subject, data, '--dir', dir(from), '--ack'], STEP_MS)
  }

  step('1. a leader and 6 nodes join', async () => {
    // replicas are what this test is about, and which members they are is computed from the
    // subject key: without epochs (with them, positions move with each epoch's salt)
    const started = await startRealm(e2e, { name: 'subjects', secret: SECRET, nodes: NODES, stepMs: STEP_MS, epochSeconds: 0 })
    for (const [name, peerId] of started.ids) ids.set(name, peerId)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
  })

  step('2. a subscriber on one node, a publisher on another: every acked message arrives once and in order', async () => {
    const realm = parseRealmDescriptor(await readFile(join(dir('L'), 'realm.json'), 'utf8'))
    const everyone = [...ids.values()]
    const nameOf = (peerId: string): string => [...ids.entries()].find(([, id]) => id === peerId)?.[0] ?? '?'
    // the coordinator must be a node (the process this test kills), not the leader
    for (let i = 1; nameOf(closestTo(subjectKey(realm.id, subject), everyone, 1)[0] ?? '') === 'L'; i++) subject = `greetings-${i}`
    const coordinator = nameOf(closestTo(subjectKey(realm.id, subject), everyone, 1)[0] ?? '')
    const [subscriberNode = '', publisherNode = '', late = ''] = NODES.filter(n => n !== coordinator)
    roles = { coordinator, subscriber: subscriberNode, publisher: publisherNode, late }

    subscriber = e2e.procs.start('subscriber', ['subscribe', subject, '--dir', dir(roles.subscriber), '--json'])
    await subscriber.waitForLine(new RegExp(`^subscribed to ${subject} `), STEP_MS)
    // the daemon's own view: its coordinators are the three members closest to the key
    const subjects = JSON.parse(await e2e.procs.ok('subjects', ['subjects', '--dir', dir(roles.subscriber), '--json'])) as { subjects: Array<{ subject: string, coordinators: string[] }> }
    assert.deepEqual(subjects.subjects.find(s => s.subject === subject)?.coordinators, closestTo(subjectKey(realm.id, subject), everyone, 3))

    for (let i = 1; i <= BEFORE_KILL; i++) {
      const result = await publish(roles.publisher, String(i))
      assert.equal(result.code, 0, `publish ${i}\n${e2e.procs.describe()}`)
      assert.match(result.stdout, /^delivered /)
    }
    await subscriber.waitForLine(new RegExp(`"data":"${BEFORE_KILL}"`), STEP_MS)
    assert.deepEqual(received(subscriber).map(l => l.data), Array.from({ length: BEFORE_KILL }, (_, i) => String(i + 1)))
  })

  step('3. the coordinator is killed with SIGKILL mid-stream: publishing goes on, no acked message is lost', async () => {
    const victim = daemons.get(roles.coordinator)
    assert.ok(victim != null)
    const acked: string[] = []
    for (let i = BEFORE_KILL + 1; i <= TOTAL; i++) {
      const publishing = publish(roles.publisher, String(i))
      if (i === BEFORE_KILL + 1) victim.kill('SIGKILL')
      const result = await publishing
      if (result.code === 0) acked.push(String(i))
    }
    assert.equal((await victim.waitForExit(STEP_MS)).signal, 'SIGKILL')
    assert.equal(acked.length, TOTAL - BEFORE_KILL, `every publish was acked\n${e2e.procs.describe()}`)
    await subscriber.waitForLine(new RegExp(`"data":"${TOTAL}"`), STEP_MS)
    const lines = received(subscriber)
    // once each, in order, all from the publisher
    assert.deepEqual(lines.map(l => l.data), Array.from({ length: TOTAL }, (_, i) => String(i + 1)))
    assert.equal(new Set(lines.map(l => l.id)).size, TOTAL)
    assert.ok(lines.every(l => l.from === ids.get(roles.publisher)))
  })

  step('4. a subscriber that comes after the crash is matched with the publisher through the surviving replicas', async () => {
    const publisherDaemon = daemons.get(roles.publisher) as CliProcess
    const late = e2e.procs.start('late subscriber', ['subscribe', subject, '--dir', dir(roles.late), '--json'])
    await late.waitForLine(new RegExp(`^subscribed to ${subject} `), STEP_MS)
    await publisherDaemon.waitForLine(new RegExp(`^subject ${subject} matched with receiver ${ids.get(roles.late) ?? ''}`), STEP_MS)
    for (let i = TOTAL + 1; i <= TOTAL + 5; i++) {
      const result = await publish(roles.publisher, String(i))
      assert.equal(result.code, 0, `publish ${i}\n${e2e.procs.describe()}`)
      assert.equal(result.stdout.split('\n').filter(l => l.startsWith('delivered ')).length, 2, result.stdout)
    }
    await late.waitForLine(new RegExp(`"data":"${TOTAL + 5}"`), STEP_MS)
    assert.deepEqual(received(late).map(l => l.data), ['31', '32', '33', '34', '35'])
    await subscriber.waitForLine(new RegExp(`"data":"${TOTAL + 5}"`), STEP_MS)
    assert.equal(received(subscriber).length, TOTAL + 5)
    late.kill('SIGTERM')
    assert.equal((await late.waitForExit(STEP_MS)).code, 0)
  })

  step('5. SIGTERM stops the subscriber and every daemon cleanly', async () => {
    subscriber.kill('SIGTERM')
    assert.equal((await subscriber.waitForExit(STEP_MS)).code, 0)
    const running = [...daemons.entries()].filter(([, p]) => p.running)
    for (const [, proc] of running) proc.kill('SIGTERM')
    const exits = await Promise.all(running.map(async ([name, proc]) => ({ name, exit: await proc.waitForExit(STEP_MS) })))
    for (const { name, exit } of exits) assert.equal(exit.code, 0, `${name} exits with 0\n${daemons.get(name)?.describe() ?? ''}`)
    console.log(`# subjects e2e: ${TOTAL + 5} messages, coordinator ${roles.coordinator} killed after ${BEFORE_KILL}, ${Date.now() - startedAt} ms in all`)
  })
})
