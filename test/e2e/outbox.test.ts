/**
 * Publications that survive a restart, end to end (issue 20, item 2), every participant a separate
 * `realmesh` OS process: a leader and two nodes; `subscribe S --json` on N2; 100 `publish S --ack`
 * from N1 (50 in `./dev test`: see TOTAL), each with its own `--id`, a new one as soon as one of the last 8 was accepted (said
 * `accepted ID`). Once 40 were accepted N2's daemon is frozen (SIGSTOP), so that what N1 accepts
 * next cannot be acked; once 50 were, N1's daemon is SIGKILLed. N2 resumes, N1 starts again on its
 * data dir and sends what its outbox kept; the publishes that never said `accepted` are run again
 * with the same id.
 * The subscriber prints each of the 100 once, and what N1 had accepted before anything published
 * after its restart.
 *
 * Every wait is on a process's output (or exit), bounded generously.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 90_000
const SUBJECT = 'orders'
/** 100 messages with REALMESH_TEST_FULL=1 (`./dev test:heavy`); 50 in `./dev test` and CI (81 s for 100 there) */
const FULL = process.env.REALMESH_TEST_FULL === '1'
const TOTAL = FULL ? 100 : 50
/** accepted publishes before N2's daemon is frozen, and before N1's is killed */
const ACCEPTED_BEFORE_FREEZE = FULL ? 40 : 20
const ACCEPTED_BEFORE_KILL = FULL ? 50 : 26
/** publish commands running at once */
const CONCURRENCY = 8

interface Line { data: string, id: string }

const idOf = (i: number): string => createHash('sha256').update(`e2e outbox ${i}`).digest('hex').slice(0, 32)

describe('acked publications across a SIGKILL of the publishing daemon, CLI as OS processes', { timeout: 600_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let daemons: Map<string, CliProcess>
  let subscriber: CliProcess
  /** the publish command of each message, by number */
  const publishes = new Map<number, CliProcess>()
  const accepted = new Set<number>()
  /** the messages whose publish had begun when N1's daemon was killed */
  let launched = new Set<number>()
  /** accepted after N2 froze: none of them could be acked before the kill */
  let unacked: number[] = []
  const startedAt = Date.now()

  const publish = (i: number): CliProcess => {
    const proc = e2e.procs.start(`publish ${i}`, ['publish', SUBJECT, String(i), '--dir', dir('N1'), '--ack', '--id', idOf(i)])
    publishes.set(i, proc)
    return proc
  }
  const wasAccepted = (i: number): boolean => /^accepted [0-9a-f]{32} \(in the daemon's outbox/m.test(publishes.get(i)?.stderr ?? '')
  const received = (): Line[] => subscriber.stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Line)

  step('1. a leader and two nodes join; N2 subscribes; the first acked message from N1 is delivered', async () => {
    daemons = (await startRealm(e2e, { name: 'outbox', secret: 's3cret-outbox', nodes: ['N1', 'N2'], stepMs: STEP_MS })).daemons
    subscriber = e2e.procs.start('subscriber', ['subscribe', SUBJECT, '--dir', dir('N2'), '--json'])
    await subscriber.waitForLine(new RegExp(`^subscribed to ${SUBJECT} `), STEP_MS)
    const first = publish(1)
    assert.equal((await first.waitForExit(STEP_MS)).code, 0, e2e.procs.describe())
    assert.match(first.stdout, /^delivered /)
    accepted.add(1)
  })

  step(`2. N2's daemon frozen after ${ACCEPTED_BEFORE_FREEZE} were accepted; N1's SIGKILLed after ${ACCEPTED_BEFORE_KILL}, those since the freeze not acked`, async () => {
    const n1 = daemons.get('N1') as CliProcess
    const n2 = daemons.get('N2') as CliProcess
    const acceptedNow = (): number[] => [...publishes.keys()].filter(wasAccepted)
    const once = (count: number): Promise<true> => e2e.procs.until(() => acceptedNow().length >= count ? true : undefined, `${count} publishes accepted`, STEP_MS)
    let next = 2
    let killed = false
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (!killed && next <= TOTAL) await publish(next++).waitForLine(/^accepted /, STEP_MS).catch(() => {})
    })
    await once(ACCEPTED_BEFORE_FREEZE)
    n2.kill('SIGSTOP')
    const beforeFreeze = new Set(acceptedNow())
    await once(ACCEPTED_BEFORE_KILL)
    killed = true
    n1.kill('SIGKILL')
    assert.equal((await n1.waitForExit(STEP_MS)).signal, 'SIGKILL')
    await Promise.all(workers)
    launched = new Set(publishes.keys())
    for (const i of launched) if (wasAccepted(i)) accepted.add(i)
    // what was accepted after the freeze could not be acked: its command failed with the daemon.
    // One accepted just before the freeze may have been acked before its 'accepted' line was read
    // here: which ones were acked is what each command printed.
    const acked = new Set<number>()
    for (const i of accepted) {
      const proc = publishes.get(i) as CliProcess
      const { code } = await proc.waitForExit(STEP_MS)
      if (code === 0 && /^delivered /m.test(proc.stdout)) acked.add(i)
    }
    unacked = [...accepted].filter(i => !acked.has(i))
    const afterFreeze = [...accepted].filter(i => !beforeFreeze.has(i))
    assert.ok(afterFreeze.filter(i => !acked.has(i)).length >= afterFreeze.length - 2, `of ${afterFreeze.length} accepted after the freeze, ${afterFreeze.filter(i => acked.has(i)).length} were acked`)
    assert.ok(unacked.length >= ACCEPTED_BEFORE_KILL - ACCEPTED_BEFORE_FREEZE - 2, `${unacked.length} accepted and not acked`)
    n2.kill('SIGCONT')
  })

  step('3. N1 starts again on its data dir: what its outbox kept goes out and is settled; the rest is published again with the same ids', async () => {
    const n1 = e2e.procs.start('N1 again', ['node', 'start', '--dir', dir('N1'), '--config', e2e.config])
    daemons.set('N1', n1)
    const [, kept] = await n1.waitForLine(/^outbox: (\d+) messages? on 1 subject not yet acked by every receiver go out again once joined/, STEP_MS)
    // an ack can settle a message in N1's outbox and be lost on its way to the publish command when
    // N1 is killed (seen under load): what the subscriber already printed needs no keeping
    const seen = new Set(received().map(l => Number(l.data)))
    const unseen = unacked.filter(i => !seen.has(i))
    assert.ok(Number(kept) >= unseen.length, `${kept} kept, ${unseen.length} accepted, not acked before the kill and not received (${unacked.length} not acked)`)
    await n1.waitForLine(/^joined realm outbox: /, STEP_MS)
    const [, delivered, failed] = await n1.waitForLine(/^outbox: the \d+ messages? kept from the last run are settled: (\d+) delivered to every receiver, (\d+) not$/, STEP_MS)
    assert.deepEqual([Number(delivered), Number(failed)], [Number(kept), 0])
    const again = Array.from({ length: TOTAL }, (_, i) => i + 1).filter(i => !accepted.has(i))
    let next = 0
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = again[next++]; i != null; i = again[next++]) {
        const proc = publish(i)
        assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
        assert.match(proc.stdout, /^delivered /)
      }
    }))
    const stats = JSON.parse(await e2e.procs.ok('subjects', ['subjects', '--dir', dir('N1'), '--json'])) as { stats: { outboxMessages: number, outboxRestored: number } }
    assert.equal(stats.stats.outboxMessages, 0)
    assert.equal(stats.stats.outboxRestored, Number(kept))
    console.log(`# outbox e2e: ${accepted.size} of ${TOTAL} accepted before the SIGKILL (${unacked.length} of them not acked), ${kept} kept and sent again, ${again.length} published again with their ids`)
  })

  step(`4. the subscriber printed each of the ${TOTAL} once, what N1 had accepted before anything published after its restart`, async () => {
    await e2e.procs.until(() => received().length >= TOTAL ? true : undefined, `${TOTAL} messages at the subscriber`, STEP_MS)
    const lines = received()
    assert.deepEqual(lines.map(l => Number(l.data)).sort((a, b) => a - b), Array.from({ length: TOTAL }, (_, i) => i + 1))
    assert.deepEqual(lines.map(l => l.id), lines.map(l => idOf(Number(l.data))))
    // nothing first published after the restart comes before the last of what N1 had accepted
    const lastAccepted = Math.max(...lines.map((l, at) => accepted.has(Number(l.data)) ? at : -1))
    const late = lines.slice(0, lastAccepted + 1).filter(l => !launched.has(Number(l.data)))
    assert.deepEqual(late, [], 'every accepted message arrived before the messages published after the restart')
  })

  step('5. SIGTERM stops the subscriber and every daemon cleanly', async () => {
    subscriber.kill('SIGTERM')
    assert.equal((await subscriber.waitForExit(STEP_MS)).code, 0)
    const running = [...daemons.entries()].filter(([, p]) => p.running)
    for (const [, proc] of running) proc.kill('SIGTERM')
    for (const [name, proc] of running) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, `${name} exits with 0\n${proc.describe()}`)
    console.log(`# outbox e2e: ${Date.now() - startedAt} ms in all`)
  })
})
