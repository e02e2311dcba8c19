/**
 * A realm of CLI daemons on testbed hosts, one host per daemon on one segment: the host of each is
 * named after it (lowercase), the daemons listen on port 4001 of their host's address (or what
 * `listen` says), with keepalives and redials shortened so that what the network does is noticed
 * in seconds. The CLI commands for a daemon run in its host (`procs(name)`), where its control
 * API is.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRealm } from '../realm.js'
import type { CliProcess, ProcessGroup } from '../cli-process.js'
import type { Scenario } from '../scenario.js'
import type { Host, Segment, Testbed } from './testbed.js'

/**
 * node.yaml for the daemons: a member silent for 1 s gets a keepalive and two missed ones drop it
 * (a cut link is noticed in about 3 s with the default 1 s timeout, not 2 minutes); a lost leader is
 * redialled at least every 2 s. A test whose links carry bulk data gives keepalives longer to answer.
 */
export function fastTimers (keepaliveTimeoutMs = 1_000): string {
  return `connections:
  inboundConnectionThreshold: 1000
keepalive:
  intervalMs: 1000
  timeoutMs: ${keepaliveTimeoutMs}
  maxMissed: 2
redial:
  maxMs: 2000
`
}

export const FAST_TIMERS = fastTimers()

export interface Member { peerId: string, addrs: string[] }

export interface RealmOnHosts {
  /** peer id by name ('L' for the leader) */
  ids: Map<string, string>
  host: (name: string) => Host
  /** CLI commands run in the daemon's host */
  procs: (name: string) => ProcessGroup
  daemon: (name: string) => CliProcess
  /** `realmesh members --json` of a daemon */
  members: (name: string) => Promise<Member[]>
}

export interface RealmOnHostsInit {
  name: string
  secret: string
  /** the nodes' names; the leader is 'L' */
  nodes: string[]
  stepMs: number
  /** a daemon's listen address. @default `/ip4/<its host's address>/tcp/4001` */
  listen?: (name: string, host: Host) => string
  /** node.yaml sections of the test's own, after the timers'. @default none */
  config?: string
  /** the keepalive timeout in the daemons' node.yaml, ms. @default 1000 */
  keepaliveTimeoutMs?: number
}

export async function startRealmOnHosts (e2e: Scenario, bed: Testbed, segment: Segment, init: RealmOnHostsInit): Promise<RealmOnHosts> {
  const hosts = new Map<string, Host>()
  for (const name of ['L', ...init.nodes]) hosts.set(name, await bed.host(name.toLowerCase(), segment))
  const host = (name: string): Host => {
    const found = hosts.get(name)
    assert.ok(found != null, `no host ${name}`)
    return found
  }
  const procs = (name: string): ProcessGroup => e2e.procs.within(host(name).ns)
  const config = join(e2e.root, 'netns-node.yaml')
  await writeFile(config, fastTimers(init.keepaliveTimeoutMs) + (init.config ?? ''))
  const listen = init.listen ?? ((_name, h) => `/ip4/${h.address(segment)}/tcp/4001`)
  const started = await startRealm(e2e, {
    name: init.name,
    secret: init.secret,
    nodes: init.nodes,
    stepMs: init.stepMs,
    config,
    hosts: new Map([...hosts].map(([name, h]) => [name, { procs: procs(name), listen: listen(name, h) }]))
  })
  return {
    ids: started.ids,
    host,
    procs,
    daemon: (name) => {
      const proc = started.daemons.get(name)
      assert.ok(proc != null, `no daemon ${name}`)
      return proc
    },
    members: async (name) => {
      const out = await procs(name).ok(`members ${name}`, ['members', '--dir', e2e.dir(name), '--json'], init.stepMs)
      return (JSON.parse(out) as { members: Member[] }).members
    }
  }
}
