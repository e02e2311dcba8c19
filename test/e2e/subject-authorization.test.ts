/**
 * Issue 25, item 6, end to end with every participant a separate `realmesh` OS process: subject
 * authorization decided by the realm leader. leader.yaml's subject policy is default-deny with one
 * rule: on `orders.*` only N1 may send (anyone may receive). N2's node.yaml defers its subjects to
 * the leader. N1's message on orders.eu is delivered; N3's is refused with SUBJECT_DENIED_BY_LEADER;
 * N1's on `chat`, which no rule names, with SUBJECT_NO_RULE. The publishers say so and exit 1.
 * Then the accounting logs (`realmesh accounting`, once the daemons stopped and flushed them):
 * one line per exchange with its byte count on both ends, and the leader's decisions.
 *
 * Every wait is on a process's output (or exit), bounded; a timeout fails with every process's output.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 30_000

describe('subjects the leader authorizes', { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()

  step('1. a leader with a default-deny subject policy naming N1 as the one sender on orders.*, and three nodes; N2 defers to it', async () => {
    const n1 = (await e2e.procs.ok('node init N1', ['node', 'init', '--dir', dir('N1')])).trim()
    const deferring = join(e2e.root, 'node-defer.yaml')
    await writeFile(deferring, 'connections:\n  inboundConnectionThreshold: 1000\nsubjects:\n  deferToLeader: true\n')
    const started = await startRealm(e2e, {
      name: 'authz',
      secret: 's3cret-for-the-authorization-test',
      nodes: ['N1', 'N2', 'N3'],
      stepMs: STEP_MS,
      nodeArgs: { N2: ['--config', deferring] },
      leaderYaml: (text) => text.replace(/^subjects:\n(?: {2}.*\n)+/m, `subjects:\n  defaultDeny: true\n  decisionTtlSeconds: 60\n  rules: [{ subject: "orders.*", send: ["${n1}"], receive: ["*"] }]\n`)
    })
    for (const [name, peerId] of started.ids) ids.set(name, peerId)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
    assert.equal(ids.get('N1'), n1)
  })

  step('2. N1 is delivered to; N3 is refused with SUBJECT_DENIED_BY_LEADER; a subject without a rule with SUBJECT_NO_RULE', async () => {
    const n2 = (ids.get('N2') ?? '').slice(-8)
    for (const subject of ['orders.eu', 'chat']) {
      const sub = e2e.procs.start(`subscribe ${subject}`, ['subscribe', subject, '--dir', dir('N2'), '--json'])
      await sub.waitForLine(new RegExp(`^subscribed to ${subject.replace('.', '\\.')} `), STEP_MS)
    }
    const publish = async (from: string, subject: string): Promise<{ code: number | null, stdout: string }> =>
      e2e.procs.run(`publish ${from} ${subject}`, ['publish', subject, `from ${from}`, '--dir', dir(from), '--ack'], STEP_MS)
    const ok = await publish('N1', 'orders.eu')
    assert.equal(ok.code, 0, e2e.procs.describe())
    assert.equal(ok.stdout, `delivered ...${n2}`)
    const denied = await publish('N3', 'orders.eu')
    assert.equal(denied.code, 1)
    assert.equal(denied.stdout, `rejected ...${n2} (SUBJECT_DENIED_BY_LEADER)`)
    const noRule = await publish('N1', 'chat')
    assert.equal(noRule.code, 1)
    assert.equal(noRule.stdout, `rejected ...${n2} (SUBJECT_NO_RULE)`)
  })

  step('3. realmesh accounting: one line per exchange on each end with its bytes, and the leader\'s decisions', async () => {
    const bigger = await e2e.procs.run('publish N1 big', ['publish', 'orders.eu', 'x'.repeat(1000), '--dir', dir('N1'), '--ack'], STEP_MS)
    assert.equal(bigger.code, 0)
    // SIGTERM: each daemon writes what it has before it exits
    for (const name of ['N1', 'N2', 'N3', 'L']) {
      const proc = daemons.get(name) as CliProcess
      proc.kill('SIGTERM')
      assert.equal((await proc.waitForExit(STEP_MS)).code, 0)
    }
    type Line = { kind: string, direction?: string, subject: string, identity: string, bytes?: number, messages?: number, code?: string }
    const lines = async (name: string): Promise<Line[]> => (await e2e.procs.ok(`accounting ${name}`, ['accounting', '--dir', dir(name), '--json'])).split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Line)
    const messages = (all: Line[]): Array<[string | undefined, string, string, number | undefined]> => all.filter(l => l.kind === 'message').map(l => [l.direction, l.subject, l.identity, l.bytes])
    assert.deepEqual(messages(await lines('N2')), [['in', 'orders.eu', ids.get('N1'), 7], ['in', 'orders.eu', ids.get('N1'), 1000]], 'what N2 received: N3\'s and the chat message were refused')
    assert.deepEqual(messages(await lines('N1')), [['out', 'orders.eu', ids.get('N2'), 7], ['out', 'orders.eu', ids.get('N2'), 1000]])
    assert.deepEqual(messages(await lines('N3')), [])
    const decisions = (await lines('L')).filter(l => l.kind === 'authorize').map(l => [l.subject, l.identity, l.code])
    assert.deepEqual(decisions, [['orders.eu', ids.get('N1'), undefined], ['orders.eu', ids.get('N3'), 'SUBJECT_DENIED_BY_LEADER'], ['chat', ids.get('N1'), 'SUBJECT_NO_RULE']])
    const text = await e2e.procs.ok('accounting N2 text', ['accounting', '--dir', dir('N2'), '--since', '1h'])
    assert.match(text, /^in: 2 messages, 1007 bytes$/m)
  })
})
