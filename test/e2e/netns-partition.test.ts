/**
 * A realm across four hosts (network namespaces on one segment, test/lib/netns), each daemon a
 * `realmesh` OS process talking real TCP to the others: a leader and three nodes join and deliver
 * acked messages between hosts; then the segment is split in two halves (iptables DROP: silent, as
 * a cut link) for 60 s, each half goes on exchanging acked messages inside itself, and after healing every
 * member lists every other again and no acked message was lost. The join, partition and heal times
 * are printed as test diagnostics.
 *
 * Keepalives and redials are shortened in node.yaml (test/lib/netns/realm.ts), so that the
 * partition is noticed and healed in seconds. Every wait is on the daemons' output or a poll of
 * their control API, bounded.
 */
import assert from 'node:assert/strict'
import { setTimeout } from 'node:timers/promises'
import { scenario } from '../lib/scenario.js'
import { listedMembers, untilEveryoneListsEveryone } from '../lib/realm.js'
import { pollUntil } from '../lib/poll.js'
import { startRealmOnHosts } from '../lib/netns/realm.js'
import { describeNetns, netnsSkip, useTestbed } from '../lib/netns/suite.js'
import type { CliProcess } from '../lib/cli-process.js'
import type { RealmOnHosts } from '../lib/netns/realm.js'
import type { Partition, Segment } from '../lib/netns/testbed.js'

const STEP_MS = 60_000
const SECRET = 'netns-partition-secret-0123456789'
const NAMES = ['L', 'N1', 'N2', 'N3']
const LEFT = ['L', 'N1']
const RIGHT = ['N2', 'N3']
/** acked messages each half publishes inside itself while cut off from the other, at least */
const DURING = 5
/**
 * how long the halves stay cut off: 15 s in `./dev test` (and CI), the 60 s issue 21 asks for with
 * `./dev test:partition` (REALMESH_PARTITION_MS=60000)
 */
const PARTITION_MS = Number(process.env.REALMESH_PARTITION_MS ?? 15_000)
/** the pause between two rounds of messages during the partition */
const PACE_MS = 3_000

const skip = await netnsSkip({ iptables: true })

describeNetns('a realm across four network namespaces, partitioned and healed', skip, { timeout: 240_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const bed = useTestbed()
  let pub: Segment
  let realm: RealmOnHosts
  let cut: Partition
  /** what every `publish --ack` reported delivered, by subject */
  const acked = new Map<string, string[]>()
  const subscribers = new Map<string, CliProcess>()
  const id = (name: string): string => realm.ids.get(name) ?? ''
  const everyone = (): Array<{ proc: CliProcess, peerId: string }> => NAMES.map(name => ({ proc: realm.daemon(name), peerId: id(name) }))

  async function subscribe (name: string, subject: string): Promise<void> {
    const proc = realm.procs(name).start(`subscribe ${subject} on ${name}`, ['subscribe', subject, '--dir', dir(name), '--json'])
    await proc.waitForLine(new RegExp(`^subscribed to ${subject} `), STEP_MS)
    subscribers.set(subject, proc)
  }

  async function publish (name: string, subject: string, data: string): Promise<void> {
    const result = await realm.procs(name).run(`publish ${subject} ${data} from ${name}`, ['publish', subject, data, '--dir', dir(name), '--ack'], STEP_MS)
    assert.equal(result.code, 0, `publish ${data} from ${name}: ${result.stdout} ${result.stderr}\n${e2e.procs.describe()}`)
    assert.match(result.stdout, /^delivered /)
    acked.set(subject, [...acked.get(subject) ?? [], data])
  }

  /** the data of every message a subscriber printed */
  function received (subject: string): string[] {
    return (subscribers.get(subject)?.stdout ?? '').split('\n').filter(l => l.trim() !== '').map(l => (JSON.parse(l) as { data: string }).data)
  }

  /** every message acked on `subject` has reached its subscriber */
  async function allReceived (subject: string): Promise<void> {
    const want = acked.get(subject) ?? []
    await e2e.procs.until(() => want.every(d => received(subject).includes(d)) ? true : undefined, `every acked message on ${subject} received`, STEP_MS)
  }

  step('1. a leader and three nodes on four hosts join over TCP between namespaces; every member lists every other', async () => {
    pub = await bed().segment('pub', '10.99.0.0/24')
    const since = Date.now()
    realm = await startRealmOnHosts(e2e, bed(), pub, { name: 'netns', secret: SECRET, nodes: NAMES.slice(1), stepMs: STEP_MS })
    await untilEveryoneListsEveryone(e2e.procs, everyone(), STEP_MS, 'the first join')
    console.log(`# join across namespaces: every member lists every other ${((Date.now() - since) / 1000).toFixed(1)} s after the leader was spawned`)
    // each holds the others at their own hosts' addresses: the traffic really crosses the segment
    for (const name of NAMES) {
      for (const member of await realm.members(name)) {
        const other = NAMES.find(n => id(n) === member.peerId) ?? '?'
        assert.ok(member.addrs.some(a => a.startsWith(`/ip4/${realm.host(other).address()}/tcp/`)), `${name} has ${other} at ${member.addrs.join(', ')}`)
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
    assert.equal(JSON.parse(subscribers.get('across')?.stdout.split('\n')[0] ?? '{}').from, id('N1'))
  })

  step('3. the segment split in two halves: each half drops the other and goes on exchanging acked messages inside itself', async () => {
    const since = Date.now()
    cut = await bed().partition(pub, [LEFT.map(realm.host), RIGHT.map(realm.host)])
    await e2e.procs.until(() => [[LEFT, RIGHT], [RIGHT, LEFT]].every(([mine = [], theirs = []]) => mine.every(name => {
      const listed = listedMembers(realm.daemon(name))
      return theirs.every(other => !listed.has(id(other)))
    })) ? true : undefined, 'each half dropping the other half', STEP_MS)
    console.log(`# partition noticed: each half dropped the other ${((Date.now() - since) / 1000).toFixed(1)} s after the cut`)
    // the cut is held for PARTITION_MS (15 s; the 60 s with ./dev test:partition): long enough for every member of the other
    // half to be dropped, its redials to back off, and what was learnt of it to age; each half keeps
    // publishing inside itself at a steady pace all along
    let i = 0
    while (i < DURING || Date.now() - since < PARTITION_MS) {
      i++
      await Promise.all([publish('L', 'left', `during-${i}`), publish('N2', 'right', `during-${i}`)])
      await setTimeout(Math.min(PACE_MS, Math.max(0, PARTITION_MS - (Date.now() - since))))
    }
    await Promise.all(['left', 'right'].map(allReceived))
    console.log(`# partition held ${((Date.now() - since) / 1000).toFixed(1)} s: ${i} acked messages in each half meanwhile`)
  })

  step('4. healed: every member lists every other again, and no acked message was lost', async () => {
    const since = Date.now()
    await cut.heal()
    await untilEveryoneListsEveryone(e2e.procs, everyone(), STEP_MS, 'the heal')
    const seconds = (Date.now() - since) / 1000
    // and their control APIs say so too (polled: a keepalive missed on a loaded machine may drop and re-admit a member meanwhile)
    const listed = new Map<string, string[]>()
    await pollUntil(async () => {
      await Promise.all(NAMES.map(async name => { listed.set(name, (await realm.members(name)).map(m => m.peerId)) }))
      return NAMES.every(name => NAMES.every(other => other === name || listed.get(name)?.includes(id(other)))) ? true : undefined
    }, 'members --json of every member listing every other', () => [...listed].map(([name, peers]) => `${name}: ${peers.join(', ')}`).join('; '), { timeoutMs: 10_000 })
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
      realm.daemon(name).kill('SIGTERM')
      assert.equal((await realm.daemon(name).waitForExit(STEP_MS)).code, 0, `${name} stops cleanly`)
    }))
  })
})
