/**
 * A realm of CLI daemons for an end-to-end scenario: `leader init` (auto policy with a join
 * secret), `leader start`, then every node started with the secret, each waited for until it
 * joined and the leader saw it join. What it started goes into the scenario's process group.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseRealmDescriptor } from '@realmesh/token'
import type { CliProcess, ProcessGroup } from './cli-process.js'
import type { Scenario } from './scenario.js'

export interface StartedRealm {
  /** peer id by name ('L' for the leader) */
  ids: Map<string, string>
  /** the daemons by name ('L' for the leader) */
  daemons: Map<string, CliProcess>
  /** the leader's realm.json */
  realmFile: string
}

export interface StartRealmInit {
  name: string
  secret: string
  nodes: string[]
  stepMs: number
  /**
   * leader.yaml's epochSeconds (subject epochs: a realm's first epoch has the leader alone as
   * coordinator, the nodes' grants being younger). @default the leader's default
   */
  epochSeconds?: number
  /** rewrites leader.yaml between `leader init` and `leader start` (e.g. a subject policy) */
  leaderYaml?: (text: string) => string
  /** extra `node start` arguments, by node name (e.g. a wake schedule) */
  nodeArgs?: Record<string, string[]>
  /**
   * Where each daemon runs, by name ('L' for the leader): the commands of a testbed host
   * (`procs.within(host.ns)`) and the addresses it listens on (each a `--listen`). @default every
   * daemon here, on 127.0.0.1
   */
  hosts?: Map<string, { procs: ProcessGroup, listen: string | string[] }>
  /** the daemons' node config (YAML). @default the scenario's */
  config?: string
  /** the leader's policy: with 'manual', holders of the secret still join at once, and a node without it waits for the operator. @default 'auto' */
  policy?: 'auto' | 'manual'
}

export async function startRealm (e2e: Scenario, init: StartRealmInit): Promise<StartedRealm> {
  const { dir } = e2e
  const ids = new Map<string, string>()
  const daemons = new Map<string, CliProcess>()
  await e2e.procs.ok('leader init', ['leader', 'init', '--name', init.name, '--dir', dir('L'), '--policy', init.policy ?? 'auto', '--join-secret', init.secret])
  const leaderYaml = join(dir('L'), 'leader.yaml')
  if (init.epochSeconds !== undefined) {
    await writeFile(leaderYaml, (await readFile(leaderYaml, 'utf8')).replace(/^epochSeconds: \d+$/m, `epochSeconds: ${init.epochSeconds}`))
  }
  if (init.leaderYaml != null) await writeFile(leaderYaml, init.leaderYaml(await readFile(leaderYaml, 'utf8')))
  const config = init.config ?? e2e.config
  const where = (name: string): { procs: ProcessGroup, listen: string | string[] } => init.hosts?.get(name) ?? { procs: e2e.procs, listen: '/ip4/127.0.0.1/tcp/0' }
  const listenArgs = (name: string): string[] => [where(name).listen].flat().flatMap(a => ['--listen', a])
  const leader = where('L').procs.start('leader', ['leader', 'start', '--dir', dir('L'), ...listenArgs('L'), '--node-config', config])
  daemons.set('L', leader)
  await leader.waitForLine(/^control api /, init.stepMs)
  const realmFile = join(dir('L'), 'realm.json')
  ids.set('L', parseRealmDescriptor(await readFile(realmFile, 'utf8')).leader.peerId)
  await Promise.all(init.nodes.map(async (name) => {
    const { procs } = where(name)
    const proc = procs.start(name, ['node', 'start', '--dir', dir(name), '--config', config, '--realm', realmFile, '--join-secret', init.secret, ...listenArgs(name), ...(init.nodeArgs?.[name] ?? [])])
    daemons.set(name, proc)
    const [, peerId = ''] = await proc.waitForLine(/^peer id (\S+)$/, init.stepMs)
    ids.set(name, peerId)
    await proc.waitForLine(new RegExp(`^joined realm ${init.name}: `), init.stepMs)
  }))
  await Promise.all(init.nodes.map(async name => leader.waitForLine(new RegExp(`^member joined ${ids.get(name) ?? ''} `), init.stepMs)))
  return { ids, daemons, realmFile }
}

/** the members a daemon lists, from its `member joined X` / `member left X` lines */
export function listedMembers (proc: CliProcess): Set<string> {
  const members = new Set<string>()
  for (const line of proc.stderr.split('\n')) {
    const joined = /^member joined (\S+) /.exec(line)
    if (joined?.[1] != null) members.add(joined[1])
    const left = /^member left (\S+):/.exec(line)
    if (left?.[1] != null) members.delete(left[1])
  }
  return members
}

/** waits until every daemon lists every other (by its output: listedMembers); rejects after `timeoutMs` */
export async function untilEveryoneListsEveryone (procs: ProcessGroup, everyone: Array<{ proc: CliProcess, peerId: string }>, timeoutMs: number, what: string): Promise<void> {
  await procs.until(() => {
    for (const { proc, peerId } of everyone) {
      const members = listedMembers(proc)
      if (everyone.some(other => other.peerId !== peerId && !members.has(other.peerId))) return undefined
    }
    return true
  }, `every member listing every other (${what})`, timeoutMs)
}
