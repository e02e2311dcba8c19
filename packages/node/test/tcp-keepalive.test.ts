/**
 * The kernel's TCP keepalive on realm connections (KeepaliveInit.tcpIdleMs): every TCP connection
 * between members, dialled or accepted, is probed by the kernel once it has been idle for
 * `tcpIdleMs`, instead of the system's 2 hours. What the kernel then does (10 probes 1 s apart,
 * Node's libuv, then the connection closes) is the kernel's; this checks that realmesh asks for it,
 * by reading each socket's timer in /proc/net/tcp (its type, 2 = keepalive, and the time left, in
 * hundredths of a second).
 */
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { Harness, makeRealm, addrs } from './fixtures.js'
import type { RealmNode } from '../src/index.js'

interface Socket { local: number, remote: number, timer: number, leftMs: number }

/** the established IPv4 TCP sockets of this network namespace (Linux) */
async function sockets (): Promise<Socket[]> {
  const lines = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)
  const found: Socket[] = []
  for (const line of lines) {
    const f = line.trim().split(/\s+/)
    if (f.length < 6 || f[3] !== '01') continue
    const [timer = '0', when = '0'] = (f[5] ?? '').split(':')
    found.push({ local: parseInt(f[1]?.split(':')[1] ?? '0', 16), remote: parseInt(f[2]?.split(':')[1] ?? '0', 16), timer: parseInt(timer, 16), leftMs: parseInt(when, 16) * 10 })
  }
  return found
}

const portOf = (node: RealmNode): number => Number(/\/tcp\/(\d+)/.exec(addrs(node)[0]?.toString() ?? '')?.[1])

/** the sockets between `a` and `b`, once all are idle (the kernel's keepalive timer running on each); bounded */
async function idleBetween (a: RealmNode, b: RealmNode): Promise<Socket[]> {
  const ports = [portOf(a), portOf(b)]
  const limit = Date.now() + 15_000
  for (;;) {
    const between = (await sockets()).filter(s => ports.includes(s.local) || ports.includes(s.remote))
    if (between.length >= 2 && between.every(s => s.timer === 2)) return between
    if (Date.now() > limit) assert.fail(`the connections between two members never went idle: ${JSON.stringify(between)}`)
    await delay(100)
  }
}

describe('the kernel\'s TCP keepalive on realm connections', { skip: process.platform !== 'linux' ? 'reads /proc/net/tcp' : false }, () => {
  const h = new Harness()
  after(async () => { await h.stopAll() })
  const listen = ['/ip4/127.0.0.1/tcp/0']

  test('both ends of a connection between members are probed after tcpIdleMs idle', async (t) => {
    const realm = await makeRealm('tcp-keepalive')
    const a = await h.node(realm, { listen, keepalive: { tcpIdleMs: 3_000 } })
    const b = await h.node(realm, { listen, bootstrap: addrs(a).map(String), keepalive: { tcpIdleMs: 3_000 } })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const between = await idleBetween(a, b)
    t.diagnostic(`kernel keepalive timers: ${between.map(s => `${s.local}->${s.remote} ${s.leftMs} ms`).join(', ')}`)
    // the dialled end and the accepted end
    assert.ok(between.some(s => s.local === portOf(a)) && between.some(s => s.remote === portOf(a)), JSON.stringify(between))
    for (const s of between) assert.ok(s.leftMs <= 3_000, `${s.local}->${s.remote}: next probe in ${s.leftMs} ms, not within tcpIdleMs`)
  })

  test('tcpIdleMs 0 leaves the system\'s idle time (Linux: 2 hours)', async () => {
    const realm = await makeRealm('tcp-keepalive-0')
    const a = await h.node(realm, { listen, keepalive: { tcpIdleMs: 0 } })
    const b = await h.node(realm, { listen, bootstrap: addrs(a).map(String), keepalive: { tcpIdleMs: 0 } })
    await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
    const idle = Number((await readFile('/proc/sys/net/ipv4/tcp_keepalive_time', 'utf8')).trim()) * 1_000
    for (const s of await idleBetween(a, b)) assert.ok(s.leftMs > idle - 60_000, `${s.local}->${s.remote}: next probe in ${s.leftMs} ms, the system's is ${idle}`)
  })

  test('a negative or fractional tcpIdleMs is refused before anything starts', async () => {
    const realm = await makeRealm('tcp-keepalive-bad')
    for (const tcpIdleMs of [-1, 1.5]) {
      await assert.rejects(h.node(realm, { listen, keepalive: { tcpIdleMs } }), (err: Error) => err instanceof RangeError && /tcpIdleMs/.test(err.message))
    }
  })
})
