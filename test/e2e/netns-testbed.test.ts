/**
 * The network-namespace testbed itself (test/lib/netns/): plain TCP between its hosts, through a
 * NAT router, across a partition and after it heals, over an unplugged link, to a moved address;
 * and that it leaves nothing behind: its own namespaces at destroy(), a killed run's at the next
 * start. The realm tests on it are netns-*.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { run } from '../lib/netns/commands.js'
import { echoAddress, tcpProbe } from '../lib/netns/probe.js'
import { describeNetns, netnsSkip, useTestbed } from '../lib/netns/suite.js'
import { Testbed } from '../lib/netns/testbed.js'
import type { Host, NatRouter, Segment } from '../lib/netns/testbed.js'

const PORT = 7000
const skip = await netnsSkip({ iptables: true })

describeNetns('the network namespace testbed', skip, { timeout: 60_000 }, () => {
  const bed = useTestbed()
  let pub: Segment
  let a: Host, b: Host, c: Host, d: Host, behind: Host
  let nat: NatRouter
  const servers: Array<{ stop: () => Promise<void> }> = []

  test('hosts on a segment reach each other over TCP at their own addresses', async () => {
    pub = await bed().segment('pub', '10.99.0.0/24')
    a = await bed().host('a', pub)
    b = await bed().host('b', pub)
    c = await bed().host('c', pub)
    d = await bed().host('d', pub)
    for (const host of [a, b, c, d]) servers.push(await echoAddress(host, PORT))
    assert.equal(await tcpProbe(a, b.address(), PORT), `reply ${a.address()}`)
    assert.equal(await tcpProbe(d, c.address(), PORT), `reply ${d.address()}`)
    assert.match(a.address(), /^10\.99\.0\.\d+$/)
  })

  test('a host behind a NAT router reaches the segment as the router; the segment cannot reach it', async () => {
    nat = await bed().natRouter('nat', pub, 'home', '192.168.1.0/24')
    behind = await bed().host('behind', nat.inside)
    servers.push(await echoAddress(behind, PORT))
    assert.match(behind.address(), /^192\.168\.1\.\d+$/)
    assert.equal(await tcpProbe(behind, a.address(), PORT), `reply ${nat.publicAddress}`)
    // a has no route to 192.168.1.0/24 at all
    assert.match(await tcpProbe(a, behind.address(), PORT), /^error E(NETUNREACH|HOSTUNREACH)$/)
  })

  test('a partition drops traffic between its sides silently, not inside them; heal() restores it', async () => {
    const partition = await bed().partition(pub, [[a, b], [c, d, nat.router]])
    const [across, back, fromBehind, left, right] = await Promise.all([
      tcpProbe(a, c.address(), PORT), tcpProbe(d, b.address(), PORT), tcpProbe(behind, a.address(), PORT),
      tcpProbe(a, b.address(), PORT), tcpProbe(c, d.address(), PORT)
    ])
    assert.equal(across, 'timeout')
    assert.equal(back, 'timeout')
    assert.equal(fromBehind, 'timeout', 'behind the router, which is on the other side')
    assert.equal(left, `reply ${a.address()}`)
    assert.equal(right, `reply ${c.address()}`)
    await partition.heal()
    assert.equal(await tcpProbe(a, c.address(), PORT), `reply ${a.address()}`)
    assert.equal(await tcpProbe(behind, b.address(), PORT), `reply ${nat.publicAddress}`)
    assert.doesNotMatch(await run('ip', ['netns', 'exec', a.ns, 'iptables', '-S']), /DROP/, 'heal() removed its rules')
  })

  test('an unplugged link carries nothing until it is plugged in again', async () => {
    await bed().unplug(d, pub)
    assert.equal(await tcpProbe(a, d.address(), PORT), 'timeout')
    await bed().plug(d, pub)
    assert.equal(await tcpProbe(a, d.address(), PORT), `reply ${a.address()}`)
  })

  test('a moved address is reachable at once; the old one is not', async () => {
    const old = c.address()
    const moved = await bed().moveAddress(c, pub, '10.99.0.200')
    assert.equal(moved, '10.99.0.200')
    assert.equal(c.address(pub), moved)
    assert.equal(await tcpProbe(a, moved, PORT), `reply ${a.address()}`)
    assert.equal(await tcpProbe(c, a.address(), PORT), `reply ${moved}`, 'and it connects from the new address')
    assert.match(await tcpProbe(a, old, PORT), /^(timeout|error EHOSTUNREACH)$/)
    const home = await bed().moveAddress(behind, nat.inside)
    assert.equal(await tcpProbe(behind, a.address(), PORT), `reply ${nat.publicAddress}`, `${home}: the default route through the router is back`)
  })

  test('the probe servers stop', async () => {
    await Promise.all(servers.map(async s => { await s.stop() }))
  })
})

async function namespaces (): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).split('\n').map(line => line.split(' ')[0] ?? '').filter(n => n !== '')
}

describeNetns('the testbed cleans up after itself', skip, { timeout: 60_000 }, () => {
  test('destroy() removes its namespaces and SIGKILLs what runs there', async () => {
    const bed = await Testbed.create()
    const seg = await bed.segment('s', '10.98.0.0/24')
    const host = await bed.host('h', seg)
    const server = await echoAddress(host, PORT)
    const mine = (await namespaces()).filter(ns => ns.startsWith(`rmnet-${process.pid}-${bed.id}-`))
    assert.equal(mine.length, 2, 'the switch and the host')
    await bed.destroy()
    await server.exited
    const left = (await namespaces()).filter(ns => ns.startsWith(`rmnet-${process.pid}-${bed.id}-`))
    assert.deepEqual(left, [])
  })

  test('a namespace left by a run whose process is gone is removed at the next start; a live one is kept', async () => {
    const dead = spawnSync('true').pid
    const leftover = `rmnet-${dead}-1-leftover`
    const other = `rmnet-${process.ppid}-1-running`
    await run('ip', ['netns', 'add', leftover])
    await run('ip', ['netns', 'add', other])
    try {
      await Testbed.create()
      const now = await namespaces()
      assert.ok(!now.includes(leftover), 'the dead run\'s namespace is gone')
      assert.ok(now.includes(other), 'the namespace of a process that still runs is kept')
    } finally {
      await run('ip', ['netns', 'delete', other])
      await run('ip', ['netns', 'delete', leftover]).catch(() => {})
    }
  })
})
