/**
 * A realm across four hosts (network namespaces on one segment, test/lib/netns), each daemon a
 * `realmesh` OS process talking real TCP to the others: a leader and three nodes join and deliver
 * acked messages between hosts; then the segment is split in two halves (iptables DROP: silent, as
 * a cut link), each half goes on exchanging acked messages inside itself, and after healing every
 * member lists every other again and no acked message was lost. The join and heal times are
 * printed as test diagnostics.
 *
 * Keepalives and redials are shortened in node.yaml (a member silent for 1 s gets a keepalive, two
 * missed ones drop it; redial waits at most 2 s), so that the partition is noticed and healed in
 * seconds. Every wait is on the daemons' output, bounded.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import { listedMembers, startRealm, untilEveryoneListsEveryone } from '../lib/realm.js'
import { describeNetns, netnsSkip, useTestbed } from '../lib/netns/suite.js'
import type { CliProcess, ProcessGroup } from '../lib/cli-process.js'
import type { Host, Segment } from '../lib/netns/testbed.js'

const STEP_MS = 60_000
const SECRET = 'netns-partition-secret-0123456789'
const NAMES = ['L', 'N1', 'N2', 'N3']
const HALVES: [string[], string[]] = [['L', 'N1'], ['N2', 'N3']]
/** acked messages each half publishes inside itself while cut off from the other */
const DURING = 5
const CONFIG = `connections:
  inboundConnectionThreshold: 1000
keepalive:
  intervalMs: 1000
  timeoutMs: 1000
  maxMissed: 2
redial:
  maxMs: 2000
`

interface Member { peerId: string, addrs: string[] }

const skip = await netnsSkip({ iptables: true })

describeNetns('a realm across four network namespaces, partitioned and healed', skip, { timeout: 180_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const bed = useTestbed()
  let pub: Segment
  const hosts = new Map<string, Host>()
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  /** what every `publish --ack` reported delivered, by subject */
  const acked = new Map<string, string[]>()
  const subscribers = new Map<string, CliProcess>()

  const procs = (name: string): ProcessGroup => e2e.procs.within(hostOf(name).ns)
  const hostOf = (name: string): Host => {
    const host = hosts.get(name)
    assert.ok(host != null, name)
    return host
  }

  async function members (name: string): Promise<Member[]> {
    return (JSON.parse(await procs(name).ok(`members ${name}`, ['members', '--dir', dir(name), '--json'], STEP_MS)) as { members: Member[] }).members
  }

  async function subscribe (name: string, subject: string): Promise<void> {
    const proc = procs(name).start(`subscribe ${subject} on ${name}`, ['subscribe', subject, '--dir', dir(name), '--json'])
    await proc.waitForLine(new RegExp(`^subscribed to ${subject} `), STEP_MS)
    subscribers.set(subject, proc)
  }

  async function publish (name: string, subject: string, data: string): Promise<void> {
    const result = await procs(name).run(`publish ${subject} ${data} from ${name}`, ['publish', subject, data, '--dir', dir(name), '--ack'], STEP_MS)
    assert.equal(result.code, 0, `publish ${data} from ${name}: ${result.stdout} ${result.stderr}\n${e2e.procs.describe()}`)
    assert.match(result.stdout, /^delivered /)
    acked.set(subject, [...acked.get(subject) ?? [], data])
  }

  /** the data of every message a subscriber printed */
  function received (subject: string): string[] {
    const proc = subscribers.get(subject)
    assert.ok(proc != null, subject)
    return proc.stdout.split('\n').filter(l => l.trim() !== '').map(l => (JSON.parse(l) as { data: string }).data)
  }

  /** every message acked on `subject` has reached its subscriber */
  async function allReceived (subject: string): Promise<void> {
    const proc = subscribers.get(subject)
    assert.ok(proc != null, subject)
    const want = acked.get(subject) ?? []
    await e2e.procs.until(() => want.every(d => received(subject).includes(d)) ? true : undefined, `every acked message on ${subject} received`, STEP_MS)
  }

  step('1. a leader and three nodes on four hosts join over TCP between namespaces; every member lists every other', async () => {
    pub = await bed().segment('pub', '10.99.0.0/24')
    for (const name of NAMES) hosts.set(name, await bed().host(name.toLowerCase(), pub))
    const config = join(e2e.root, 'netns-node.yaml')
    await writeFile(config, CONFIG)
    const since = Date.now()
    const started = await startRealm(e2e, {
      name: 'netns',
      secret: SECRET,
      nodes: NAMES.filter(n => n !== 'L'),
      stepMs: STEP_MS,
      config,
      hosts: new Map(NAMES.map(name => [name, { procs: procs(name), listen: `/ip4/${hostOf(name).address()}/tcp/4001` }]))
    })
    for (const [name, id] of started.ids) ids.set(name, id)
    for (const [name, proc] of started.daemons) daemons.set(name, proc)
    await untilEveryoneListsEveryone(e2e.procs, NAMES.map(name => ({ proc: daemon(name), peerId: ids.get(name) ?? '' })), STEP_MS, 'the first join')
    console.log(`# join across namespaces: every member lists every other ${((Date.now() - since) / 1000).toFixed(1)} s after the leader was spawned`)
    // each lists the others at their own hosts' addresses: the traffic really crosses the segment
    for (const name of NAMES) {
      for (const member of await members(name)) {
        const other = [...ids].find(([, id]) => id === member.peerId)?.[0] ?? '?'
        assert.ok(member.addrs.some(a => a.startsWith(`/ip4/${hostOf(other).address()}/tcp/`)), `${name} has ${other} at ${member.addrs.join(', ')}`)
      }
    }
  })

  step('2. a subscriber on one host gets what `publish --ack` on another delivered', async () => {
    // a subject in each half, subscribed to and used before the cut, and one across it
    await Promise.all([subscribe('N1', 'left'), subscribe('N3', 'right'), subscribe('N2', 'across')])
    await publish('L', 'left', 'before-1')
    await publish('N2', 'right', 'before-1')
    await publish('N1', 'across', 'before-1')
    await Promise.all(['left', 'right', 'across'].map(allReceived))
    assert.equal(JSON.parse(subscribers.get('across')?.stdout.split('\n')[0] ?? '{}').from, ids.get('N1'))
  })

  let cut: Awaited<ReturnType<ReturnType<typeof bed>['partition']>>
  step('3. the segment split in two halves: each half drops the other and goes on exchanging acked messages inside itself', async () => {
    const since = Date.now()
    cut = await bed().partition(pub, [HALVES[0].map(hostOf), HALVES[1].map(hostOf)])
    await e2e.procs.until(() => {
      for (const [mine, theirs] of [HALVES, [HALVES[1], HALVES[0]]]) {
        for (const name of mine ?? []) {
          const listed = listedMembers(daemon(name))
          if ((theirs ?? []).some(other => listed.has(ids.get(other) ?? ''))) return undefined
        }
      }
      return true
    }, 'each half dropping the other half', STEP_MS)
    console.log(`# partition noticed: each half dropped the other ${((Date.now() - since) / 1000).toFixed(1)} s after the cut`)
    for (let i = 1; i <= DURING; i++) {
      await Promise.all([publish('L', 'left', `during-${i}`), publish('N2', 'right', `during-${i}`)])
    }
    await Promise.all(['left', 'right'].map(allReceived))
  })

  step('4. healed: every member lists every other again, and no acked message was lost', async () => {
    const since = Date.now()
    await cut.heal()
    await untilEveryoneListsEveryone(e2e.procs, NAMES.map(name => ({ proc: daemon(name), peerId: ids.get(name) ?? '' })), STEP_MS, 'the heal')
    const seconds = (Date.now() - since) / 1000
    await Promise.all(NAMES.map(async name => {
      const listed = (await members(name)).map(m => m.peerId).sort()
      assert.deepEqual(listed, NAMES.filter(n => n !== name).map(n => ids.get(n)).sort(), `${name}: members --json lists every other`)
    }))
    console.log(`# partition healed: every member lists every other (members --json) ${seconds.toFixed(1)} s after the DROP rules went`)
    await publish('N1', 'across', 'after-1')
    await publish('N2', 'left', 'after-1')
    await publish('N1', 'right', 'after-1')
    await Promise.all(['left', 'right', 'across'].map(allReceived))
    for (const subject of ['left', 'right', 'across']) {
      assert.deepEqual(received(subject), acked.get(subject), `${subject}: every acked message once, in order`)
    }
  })

  step('5. SIGTERM stops every daemon cleanly', async () => {
    for (const proc of subscribers.values()) proc.kill('SIGTERM')
    await Promise.all(NAMES.map(async name => {
      daemon(name).kill('SIGTERM')
      assert.equal((await daemon(name).waitForExit(STEP_MS)).code, 0, `${name} stops cleanly`)
    }))
  })

  function daemon (name: string): CliProcess {
    const proc = daemons.get(name)
    assert.ok(proc != null, name)
    return proc
  }
})
