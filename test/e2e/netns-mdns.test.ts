/**
 * LAN discovery across network namespaces (issue 21 item 5): two nodes holding tokens on one
 * segment, with mDNS on and no bootstrap address between them (A has none: it is the realm's first
 * member; B's names the leader, whose host runs nothing), find each other by mDNS and each lists
 * the other, over real TCP between namespaces. Then an outsider (a plain js-libp2p node with no
 * token, announcing itself by mDNS on the realm's own service tag) finds both, and gets nothing:
 * every realm stream it opens is ended with 0 bytes, and neither member lists it, though both
 * dialled it (they say so). Last, the leader (mDNS on too) invites a node and then moves to a new
 * address: the node, holding an invitation that names only the old one, finds the leader by mDNS,
 * gets its token there and joins.
 *
 * Multicast needs a route on a host without a default route: the testbed's public segment has
 * none, so each host gets 224.0.0.0/4 on its segment (a LAN's hosts have a default route).
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseRealmDescriptor } from '@realmesh/token'
import { mdnsServiceTag } from '@realmesh/node'
import { PROTOCOLS } from '@realmesh/wire'
import { scenario } from '../lib/scenario.js'
import { listedMembers } from '../lib/realm.js'
import { ipIn } from '../lib/netns/commands.js'
import { describeNetns, netnsSkip, useTestbed } from '../lib/netns/suite.js'
import type { CliProcess } from '../lib/cli-process.js'
import type { Host, Segment } from '../lib/netns/testbed.js'

const STEP_MS = 60_000
const OUTSIDER = fileURLToPath(new URL('../lib/netns/mdns-outsider.js', import.meta.url))
/** short keepalives as in the other netns suites; mDNS on, asking the segment every second */
const CONFIG = `connections:
  inboundConnectionThreshold: 1000
keepalive:
  intervalMs: 1000
  timeoutMs: 1000
  maxMissed: 2
discovery:
  mdns: true
  mdnsIntervalMs: 1000
`

const skip = await netnsSkip()

describeNetns('mDNS: members on one segment find each other without a bootstrap address; an outsider gets nothing', skip, { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const bed = useTestbed()
  let pub: Segment
  const hosts = new Map<string, Host>()
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  let realmFile: string
  let realmId: string

  async function hostOn (name: string): Promise<Host> {
    const host = await bed().host(name, pub)
    // no default route on the public segment: multicast needs a route of its own
    await ipIn(host.ns, ['route', 'add', '224.0.0.0/4', 'dev', pub.name])
    hosts.set(name, host)
    return host
  }

  async function startNode (name: string, extra: string[]): Promise<CliProcess> {
    const host = hosts.get(name)
    assert.ok(host != null)
    const peer = await e2e.procs.ok(`node init ${name}`, ['node', 'init', '--dir', dir(name)])
    ids.set(name, peer)
    await e2e.procs.ok(`token ${name}`, ['token', 'issue', '--dir', dir('l'), '--peer', peer, '--ttl', '1h', '--out', join(e2e.root, `${name}.token`)])
    const proc = e2e.procs.within(host.ns).start(name, ['node', 'start', '--dir', dir(name), '--realm', realmFile, '--token', join(e2e.root, `${name}.token`),
      '--listen', `/ip4/${host.address(pub)}/tcp/4001`, '--config', join(e2e.root, 'mdns.yaml'), ...extra])
    daemons.set(name, proc)
    return proc
  }

  function members (name: string): Set<string> {
    const proc = daemons.get(name)
    assert.ok(proc != null)
    return listedMembers(proc)
  }

  step('1. A (no bootstrap) and B (its bootstrap address unreachable) find each other by mDNS and each lists the other', async () => {
    pub = await bed().segment('pub', '10.99.0.0/24')
    const leaderHost = await hostOn('l')
    await hostOn('a')
    await hostOn('b')
    await writeFile(join(e2e.root, 'mdns.yaml'), CONFIG)
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'lan', '--dir', dir('l'), '--policy', 'manual'])
    realmFile = join(dir('l'), 'realm.json')
    const realm = parseRealmDescriptor(await readFile(realmFile, 'utf8'))
    realmId = realm.id
    assert.deepEqual(realm.bootstrap, [], 'a leader that never started names no bootstrap address')
    const a = await startNode('a', [])
    await a.waitForLine(/^joined realm lan: 0 members$/, STEP_MS)
    const since = Date.now()
    // the leader's host is up, but nothing listens there: every dial is refused
    const b = await startNode('b', ['--bootstrap', `/ip4/${leaderHost.address(pub)}/tcp/4001/p2p/${realm.leader.peerId}`])
    await b.waitForLine(/^joined realm lan: 1 member$/, STEP_MS)
    await e2e.procs.until(() => members('a').has(ids.get('b') ?? '') && members('b').has(ids.get('a') ?? '') ? true : undefined, 'A and B list each other', STEP_MS)
    console.log(`# mDNS: B joined through A, found on the segment, ${Date.now() - since} ms after B was spawned`)
    // the member is held at its address on the segment: the join crossed it
    const listed = JSON.parse(await e2e.procs.within(hosts.get('b')?.ns ?? '').ok('members b', ['members', '--dir', dir('b'), '--json'])) as { members: Array<{ peerId: string, addrs: string[] }> }
    const held = listed.members.find(m => m.peerId === ids.get('a'))
    assert.ok(held?.addrs.some(addr => addr.startsWith(`/ip4/${hosts.get('a')?.address(pub) ?? ''}/tcp/4001`)), `B holds A at ${held?.addrs.join(', ') ?? 'nothing'}`)
    assert.match(b.stderr, /retrying in/, 'B tried its bootstrap address, which was refused')
  })

  step('2. an outsider announcing itself on the realm\'s service tag finds both members and gets nothing', async () => {
    const host = await hostOn('o')
    const outsider = e2e.procs.within(host.ns).startScript('outsider', OUTSIDER, [mdnsServiceTag(realmId), `/ip4/${host.address(pub)}/tcp/4002`, PROTOCOLS.peers])
    const [, outsiderId = ''] = await outsider.waitForLine(/^outsider (\S+)$/, STEP_MS)
    for (const name of ['a', 'b']) {
      const peer = ids.get(name) ?? ''
      const [, bytes] = await outsider.waitForLine(new RegExp(`^stream ${peer} (\\d+) `), STEP_MS)
      assert.equal(bytes, '0', `${name} sent the outsider ${bytes ?? '?'} bytes on ${PROTOCOLS.peers}`)
    }
    // both dialled the outsider they found, and the handshake ended it
    for (const name of ['a', 'b']) {
      await daemons.get(name)?.waitForLine(new RegExp(`(refused|join with) ${outsiderId}`), STEP_MS)
      assert.ok(!members(name).has(outsiderId), `${name} lists the outsider`)
      assert.equal(members(name).size, 1, `${name}: ${[...members(name)].join(', ')}`)
    }
  })

  step('3. a node invited at the leader\'s old address (the leader moved) gets its token from the leader found by mDNS, and joins', async () => {
    const host = hosts.get('l')
    assert.ok(host != null)
    const leader = e2e.procs.within(host.ns).start('leader', ['leader', 'start', '--dir', dir('l'), '--listen', '/ip4/0.0.0.0/tcp/4001', '--node-config', join(e2e.root, 'mdns.yaml')])
    await leader.waitForLine(/^control api /, STEP_MS)
    const [uri = ''] = (await e2e.procs.within(host.ns).ok('leader invite', ['leader', 'invite', '--dir', dir('l')])).split('\n')
    const before = host.address(pub)
    assert.ok(uri.length > 0)
    // a new lease: the invitation names an address where nobody is any more
    const after = await bed().moveAddress(host, pub)
    // the kernel drops a device's routes with its last address (DHCP would restore a default route)
    await ipIn(host.ns, ['route', 'add', '224.0.0.0/4', 'dev', pub.name])
    const c = await hostOn('c')
    const since = Date.now()
    const node = e2e.procs.within(c.ns).start('c', ['node', 'start', '--dir', dir('c'), '--invitation', uri, '--listen', `/ip4/${c.address(pub)}/tcp/4001`, '--config', join(e2e.root, 'mdns.yaml')])
    daemons.set('c', node)
    await node.waitForLine(/^token received from the leader/, STEP_MS)
    await node.waitForLine(/^joined realm lan: /, STEP_MS)
    const [, peer = ''] = /^peer id (\S+)$/m.exec(node.stderr) ?? []
    await leader.waitForLine(new RegExp(`^member joined ${peer} `), STEP_MS)
    console.log(`# mDNS: invited at ${before}, the leader now at ${after}: token and join ${Date.now() - since} ms after the node was spawned`)
  })
})
