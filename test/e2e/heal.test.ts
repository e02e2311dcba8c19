/**
 * A realm that heals after any member restarts, the leader included, end to end: a leader and 5
 * nodes as separate `realmesh` OS processes on 127.0.0.1. The leader is stopped with SIGTERM and
 * started again, then SIGKILLed and started again (with its DIR/peers.json, then without: only the
 * nodes dialling it can heal the realm then); a node is SIGKILLed and started again; the leader
 * comes back on another port. After each, every member must list every other within 60 s;
 * the heal time (from the restarted process's spawn until the last member lists the last other)
 * is printed as a test diagnostic.
 *
 * Before nodes redialled the leader (packages/node/src/membership/redial.ts) and the leader
 * dialled the members it knew (DIR/peers.json), a restarted leader stayed at 0 members: nodes that
 * still had each other never dialled it again, and it dialled nobody. Step 3 fails on that.
 *
 * Membership is followed on the daemons' own lines (`member joined X`, `member left X`), so that
 * every wait is on output, and checked once healed with `status --json` of every member.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { parse } from 'yaml'
import { parseRealmDescriptor } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import { untilEveryoneListsEveryone } from '../lib/realm.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000
/** the bound the issue sets: every member lists every other within this after a restart */
const HEAL_MS = 60_000
const SECRET = 'heal-test-join-secret-0123456789'
const NODES = ['N1', 'N2', 'N3', 'N4', 'N5']

interface Status { joined: boolean, members: string[] }

describe('a realm heals after its members restart, the leader included', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  /** name -> the running daemon and its peer id */
  const daemons = new Map<string, { proc: CliProcess, peerId: string }>()
  const heals: string[] = []

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  /**
   * Waits until every daemon lists every other; returns the seconds since `since`, checked with
   * status --json. Sound after a SIGKILL too, although the others may still list the killed
   * process for their disconnect grace (10 s): the restarted process lists members from its own
   * fresh output, and a member it lists admitted it as well (handshake and join admit both ends).
   */
  async function healed (what: string, since: number): Promise<number> {
    const everyone = [...daemons.values()]
    await untilEveryoneListsEveryone(e2e.procs, everyone, HEAL_MS, what)
    const seconds = (Date.now() - since) / 1000
    await Promise.all([...daemons].map(async ([name, { peerId }]) => {
      const s = await status(name)
      assert.equal(s.joined, true, `${name} joined`)
      assert.deepEqual(s.members.sort(), everyone.map(d => d.peerId).filter(id => id !== peerId).sort(), `${name} lists every other member`)
    }))
    heals.push(`${what}: ${seconds.toFixed(1)} s`)
    console.log(`# ${what}: every member lists every other ${seconds.toFixed(1)} s after the restart`)
    return seconds
  }

  function startLeader (extra: string[] = []): CliProcess {
    const proc = e2e.procs.start(`leader (${daemons.has('L') ? 'again' : 'first'})`, ['leader', 'start', '--dir', dir('L'), '--node-config', e2e.config, ...extra])
    daemons.set('L', { proc, peerId: daemons.get('L')?.peerId ?? '' })
    return proc
  }

  async function realmBootstrap (): Promise<string[]> {
    return parseRealmDescriptor(await readFile(join(dir('L'), 'realm.json'), 'utf8')).bootstrap
  }

  async function savedListen (): Promise<string[]> {
    return (parse(await readFile(join(dir('L'), 'leader.yaml'), 'utf8')) as { listen: string[] }).listen
  }

  async function stop (name: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const daemon = daemons.get(name)
    assert.ok(daemon != null)
    daemon.proc.kill(signal)
    const exit = await daemon.proc.waitForExit(STEP_MS)
    if (signal === 'SIGTERM') assert.equal(exit.code, 0, `${name} stops cleanly`)
    else assert.equal(exit.signal, 'SIGKILL')
  }

  step('1. a leader initialised without --listen saves the port its first start bound', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'heal', '--dir', dir('L'), '--policy', 'auto', '--join-secret', SECRET])
    assert.deepEqual(await savedListen(), ['/ip4/127.0.0.1/tcp/0'])
    const leader = startLeader()
    const [, address = ''] = await leader.waitForLine(/^listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+)\/p2p\/(\S+)$/, STEP_MS)
    await leader.waitForLine(/^listen addresses saved in .*leader\.yaml: /, STEP_MS)
    assert.deepEqual(await savedListen(), [address])
    const realm = parseRealmDescriptor(await readFile(join(dir('L'), 'realm.json'), 'utf8'))
    daemons.set('L', { proc: leader, peerId: realm.leader.peerId })
    assert.deepEqual(realm.bootstrap, [`${address}/p2p/${realm.leader.peerId}`])
    assert.ok(!leader.stderr.includes('warning:'), 'a first start warns of nothing')
  })

  step('2. five nodes join; every member lists every other', async () => {
    const since = Date.now()
    const realmFile = join(dir('L'), 'realm.json')
    await Promise.all(NODES.map(async name => {
      const proc = e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--config', e2e.config, '--realm', realmFile, '--join-secret', SECRET])
      const [, peerId = ''] = await proc.waitForLine(/^peer id (\S+)$/, STEP_MS)
      daemons.set(name, { proc, peerId })
    }))
    await healed('5 nodes joining', since)
  })

  step('3. the leader stopped with SIGTERM and started again comes back at its address; the realm heals', async () => {
    const before = await realmBootstrap()
    await stop('L', 'SIGTERM')
    const since = Date.now()
    const leader = startLeader()
    await leader.waitForLine(/^control api /, STEP_MS)
    assert.deepEqual(await realmBootstrap(), before, 'the same address as before the restart')
    await leader.waitForLine(/^reconnecting to the members of the last run /, 1_000)
    assert.ok(!leader.stderr.includes('warning:'), 'nothing to warn of')
    await healed('leader SIGTERM + start', since)
  })

  step('4. the leader SIGKILLed and started again: the realm heals', async () => {
    await stop('L', 'SIGKILL')
    const since = Date.now()
    const leader = startLeader()
    await leader.waitForLine(/^control api /, STEP_MS)
    await healed('leader SIGKILL + start', since)
  })

  step('5. a node SIGKILLed and started again from its data dir: the realm heals', async () => {
    await stop('N3', 'SIGKILL')
    const since = Date.now()
    const peerId = daemons.get('N3')?.peerId ?? ''
    const proc = e2e.procs.start('N3 (again)', ['node', 'start', '--dir', dir('N3'), '--config', e2e.config])
    daemons.set('N3', { proc, peerId })
    await healed('node SIGKILL + start', since)
  })

  step('6. the leader SIGKILLed and started again without its peers.json: the nodes dialling it heal the realm', async () => {
    await stop('L', 'SIGKILL')
    await rm(join(dir('L'), 'peers.json'))
    const since = Date.now()
    const leader = startLeader()
    await leader.waitForLine(/^control api /, STEP_MS)
    assert.ok(!leader.stderr.includes('reconnecting to the members'), 'it knows no member to dial')
    await healed('leader SIGKILL + start, no peers.json', since)
  })

  step('7. the leader started on another port warns, rewrites realm.json, and its members learn the new address', async () => {
    const before = await realmBootstrap()
    await stop('L', 'SIGTERM')
    const port = await freePort()
    const since = Date.now()
    const leader = startLeader(['--listen', `/ip4/127.0.0.1/tcp/${port}`])
    await leader.waitForLine(/^warning: the leader's address changed /, STEP_MS)
    const after = await realmBootstrap()
    assert.notDeepEqual(after, before)
    assert.match(after[0] ?? '', new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/${port}/p2p/`))
    assert.deepEqual(await savedListen(), [`/ip4/127.0.0.1/tcp/${port}`], 'the new --listen is saved for the next start')
    // the nodes' own realm.json still names the old port: they learn the new one from the leader's record
    await healed('leader on a new port', since)
    console.log(`# heal times: ${heals.join('; ')}`)
  })

  step('8. SIGTERM stops every daemon cleanly', async () => {
    await Promise.all([...daemons.keys()].map(async name => { await stop(name, 'SIGTERM') }))
  })
})

/** a TCP port nobody listens on right now */
async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address != null ? address.port : 0) })
    })
  })
}
