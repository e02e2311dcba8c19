/**
 * The hosts scenario (issue 21's bench): three hosts, each an OS process (hosts/host.ts), either in
 * network namespaces of their own on one segment (the test suite's testbed, test/lib/netns: veth
 * pairs and a bridge, real TCP between kernels' network stacks) or all on the machine's loopback
 * (127.0.0.1). On each host a realm member and a plain libp2p node run side by side (ports 4001
 * and 4002), so both sides cross the same links:
 *   - host A is the first member (plain: the node the others dial), B and C join (dial) through it;
 *   - lookups from B, one at a time: realmesh findCoordinators(subject, 1), plain kad-dht
 *     getClosestPeers for the same kind of key;
 *   - round trips from B to C: realmesh, a 1 KiB publish acked by C's subscription (ack
 *     'destination'); plain, a 1 KiB message echoed back on a stream;
 *   - in rounds, the side that goes first alternating.
 * Namespaces need root: elsewhere the job fails with the reason (`SKIPPED: ...`), said on stderr.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken, writeKeyFile } from '@realmesh/token'
import { Testbed } from '@realmesh/e2e/dist/lib/netns/testbed.js'
import { inNamespace } from '@realmesh/e2e/dist/lib/netns/commands.js'
import { netnsUnavailable } from '@realmesh/e2e/dist/lib/netns/support.js'
import type { ChildProcess } from 'node:child_process'
import type { HostInit, LookupsAnswer } from '../hosts/host.js'
import type { HostsJob } from '../jobs.js'

export interface HostsSide {
  lookups: LookupsAnswer
  roundTripsMs: number[]
}

export interface HostsResult {
  where: 'netns' | 'loopback'
  realmesh: HostsSide
  plain: HostsSide
}

const HOST = fileURLToPath(new URL('../hosts/host.js', import.meta.url))
const NAMES = ['a', 'b', 'c'] as const
const PORTS = { realmesh: 4001, plain: 4002 }

const log = (message: string): void => {
  process.stderr.write(`  [hosts] ${message}\n`)
}

/** a host process: one JSON command at a time, answered by id */
class HostProcess {
  readonly child: ChildProcess
  readonly ready: Promise<string[]>
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private next = 0

  constructor (command: { command: string, args: string[] }, name: string) {
    this.child = spawn(command.command, command.args, { stdio: ['pipe', 'pipe', 'inherit'] })
    const ready = Promise.withResolvers<string[]>()
    this.ready = ready.promise
    this.child.on('exit', (code) => {
      const err = new Error(`host ${name} exited with ${String(code)}`)
      ready.reject(err)
      for (const w of this.waiting.values()) w.reject(err)
    })
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as { ready?: string[], id?: number, result?: unknown, error?: string }
      if (message.ready != null) ready.resolve(message.ready)
      const waiter = message.id == null ? undefined : this.waiting.get(message.id)
      if (waiter == null || message.id == null) return
      this.waiting.delete(message.id)
      if (message.error != null) waiter.reject(new Error(`host ${name}: ${message.error}`))
      else waiter.resolve(message.result)
    })
  }

  async ask<T> (command: Record<string, unknown>): Promise<T> {
    const id = this.next++
    const answer = new Promise<unknown>((resolve, reject) => { this.waiting.set(id, { resolve, reject }) })
    this.child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`)
    return answer as Promise<T>
  }

  stop (): void {
    this.child.stdin?.end()
    this.child.kill('SIGKILL')
  }
}

/** where the hosts run: their addresses, whether they share one, and how to launch a process there */
interface Place { address: string, shared: boolean, launch: (args: string[]) => { command: string, args: string[] } }

async function places (where: HostsJob['where']): Promise<{ places: Place[], close: () => Promise<void> }> {
  if (where === 'loopback') {
    const here = { address: '127.0.0.1', shared: true, launch: (args: string[]) => ({ command: process.execPath, args }) }
    return { places: NAMES.map(() => here), close: async () => {} }
  }
  const why = await netnsUnavailable()
  if (why != null) {
    process.stderr.write(`SKIPPED: the hosts suite between network namespaces cannot run on this machine: ${why}\n`)
    throw new Error(`SKIPPED: ${why}`)
  }
  const bed = await Testbed.create()
  const pub = await bed.segment('pub', '10.99.0.0/24')
  const hosts = []
  for (const name of NAMES) hosts.push(await bed.host(name, pub))
  return {
    places: hosts.map(h => ({ address: h.address(pub), shared: false, launch: (args: string[]) => inNamespace(h.ns, process.execPath, args) })),
    close: async () => { await bed.destroy() }
  }
}

/** the side's three hosts, A first, B and C joined through it; resolves once each holds the other two */
async function startSide (side: 'realmesh' | 'plain', at: Place[], dir: string): Promise<HostProcess[]> {
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: 'bench-hosts', leaderKey })
  const hosts: HostProcess[] = []
  let bootstrap: string[] = []
  for (const [i, place] of at.entries()) {
    const name = `${side}-${NAMES[i] ?? i}`
    // hosts sharing the loopback address take a free port each
    const init: HostInit = { side, listen: `/ip4/${place.address}/tcp/${place.shared ? 0 : PORTS[side]}`, bootstrap }
    if (side === 'realmesh') {
      const key = await generateNodeKey()
      init.keyFile = join(dir, `${name}.key`)
      await writeKeyFile(init.keyFile, key)
      init.token = await issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(key), ttlSeconds: 3600 })
      init.realm = realm
    }
    const file = join(dir, `${name}.json`)
    await writeFile(file, JSON.stringify(init))
    const host = new HostProcess(place.launch([HOST, file]), name)
    hosts.push(host)
    const listen = await host.ready
    if (i === 0) bootstrap = listen.filter(a => a.startsWith(`/ip4/${place.address}/`))
  }
  await Promise.all(hosts.map(async (h) => h.ask({ cmd: 'peers', count: hosts.length - 1 })))
  return hosts
}

function peerOf (listen: string[]): string {
  return listen[0]?.split('/p2p/')[1] ?? ''
}

export async function runHosts (job: HostsJob): Promise<HostsResult> {
  const dir = await mkdtemp(join(tmpdir(), 'realmesh-bench-hosts-'))
  const where = await places(job.where)
  const started: HostProcess[] = []
  try {
    const sides = {} as Record<'realmesh' | 'plain', { hosts: HostProcess[], result: HostsSide }>
    for (const side of ['realmesh', 'plain'] as const) {
      const hosts = await startSide(side, where.places, dir)
      started.push(...hosts)
      sides[side] = { hosts, result: { lookups: { ms: [], hops: [], queries: [], failed: 0 }, roundTripsMs: [] } }
      log(`${side}: 3 hosts (${job.where}) hold each other`)
    }
    await sides.realmesh.hosts[2]?.ask({ cmd: 'subscribe', subject: 'bench-rt' })
    const perRound = (total: number, round: number): number => Math.floor(total / job.rounds) + (round < total % job.rounds ? 1 : 0)
    for (let round = 0; round < job.rounds; round++) {
      const order = round % 2 === 0 ? ['realmesh', 'plain'] as const : ['plain', 'realmesh'] as const
      for (const side of order) {
        const { hosts, result } = sides[side]
        const [, b, c] = hosts
        if (b == null || c == null) throw new Error('three hosts expected')
        const subjects = Array.from({ length: perRound(job.lookups, round) }, (_, i) => `bench-${round}-${i}`)
        const answer = await b.ask<LookupsAnswer>({ cmd: 'lookups', subjects })
        result.lookups.ms.push(...answer.ms)
        result.lookups.hops.push(...answer.hops)
        result.lookups.queries.push(...answer.queries)
        result.lookups.failed += answer.failed
        const to = peerOf(await c.ready)
        result.roundTripsMs.push(...await b.ask<number[]>({ cmd: 'roundtrips', to, subject: 'bench-rt', size: job.size, count: perRound(job.roundTrips, round), warmup: round === 0 ? job.warmup : 0 }))
      }
      log(`round ${round + 1}/${job.rounds} done`)
    }
    return { where: job.where, realmesh: sides.realmesh.result, plain: sides.plain.result }
  } finally {
    for (const host of started) host.stop()
    await where.close()
    await rm(dir, { recursive: true, force: true })
  }
}
