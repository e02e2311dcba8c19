/**
 * The hosts suite (issue 21): a coordinator lookup and an acked round trip between three hosts that
 * are OS processes in network namespaces (real TCP between network stacks, over veth pairs and a
 * bridge), next to the same three processes on loopback; plain libp2p on the same hosts alongside.
 * Opt-in (`pnpm bench --only hosts`): it needs root, and is not part of a full run.
 */
import { mean, percentile } from '../stats.js'
import { failureOf, notes, resultOf, row } from './suite.js'
import type { BenchConfig } from '../config.js'
import type { HostsJob } from '../jobs.js'
import type { HostsResult, HostsSide } from '../runners/hosts.js'
import type { Row, Suite, SuiteContext } from './suite.js'

const WHERE = { netns: 'between namespaces', loopback: 'on loopback' } as const

function hostsJob (config: BenchConfig, where: HostsJob['where']): HostsJob {
  return { kind: 'hosts', where, ...config.hosts }
}

function p (samples: number[] | undefined, q: number): number | null {
  return samples == null || samples.length === 0 ? null : percentile(samples, q)
}

function lookupNote (side: HostsSide | undefined, label: string): string | undefined {
  const failed = side?.lookups.failed ?? 0
  return failed === 0 ? undefined : `${label}: ${failed} lookups failed or timed out after 15 s (left out)`
}

export const hostsSuite: Suite = {
  name: 'hosts',
  title: 'Between hosts (network namespaces) and on loopback',
  optIn: true,
  describe: 'Three hosts, each an OS process, in network namespaces of their own on one segment (the test suite\'s testbed: veth pairs and a bridge, so every packet crosses from one network stack to another over real TCP), and the same three processes on 127.0.0.1. Each host runs a realm member and a plain libp2p node (the baseline) side by side. A is the first member (plain: the node B and C dial), B and C join through it. From B, one at a time: coordinator lookups (realmesh: findCoordinators(subject, 1); plain: kad-dht getClosestPeers for the same kind of key, run to its end), and 1 KiB round trips to C (realmesh: a publish acked by C\'s subscription, ack \'destination\'; plain: a message echoed back on a stream). Rounds alternate which side goes first. Needs root (the namespaces); `pnpm bench --only hosts`.',
  jobs: (config) => [hostsJob(config, 'netns'), hostsJob(config, 'loopback')],
  rows: (ctx: SuiteContext): Row[] => {
    const results = new Map<HostsJob['where'], { result: HostsResult | undefined, failed: string }>()
    for (const where of ['netns', 'loopback'] as const) {
      const outcome = ctx.outcome(hostsJob(ctx.config, where))
      results.set(where, { result: resultOf<HostsResult>(outcome), failed: failureOf(outcome, `hosts ${where}`) })
    }
    const rows: Row[] = []
    for (const where of ['netns', 'loopback'] as const) {
      const { result, failed } = results.get(where) ?? { result: undefined, failed: '' }
      const lookupNotes = notes(failed, lookupNote(result?.realmesh, 'realmesh'), lookupNote(result?.plain, 'plain'))
      for (const q of [50, 99]) {
        rows.push(row({ suite: 'hosts', name: `hosts: coordinator lookup p${q}, ${WHERE[where]}, vs kad-dht getClosestPeers`, unit: 'ms', ours: p(result?.realmesh.lookups.ms, q), baseline: p(result?.plain.lookups.ms, q), betterIs: 'lower', n: 3, note: lookupNotes }))
      }
      rows.push(row({ suite: 'hosts', name: `hosts: coordinator lookup FIND_NODE requests (mean), ${WHERE[where]}`, unit: 'requests', ours: result == null ? null : mean(result.realmesh.lookups.queries), baseline: result == null ? null : mean(result.plain.lookups.queries), betterIs: 'lower', n: 3, note: lookupNotes }))
      for (const q of [50, 99]) {
        rows.push(row({ suite: 'hosts', name: `hosts: acked round trip p${q}, 1 KiB, ${WHERE[where]}, vs plain stream echo`, unit: 'ms', ours: p(result?.realmesh.roundTripsMs, q), baseline: p(result?.plain.roundTripsMs, q), betterIs: 'lower', n: 3, note: notes(failed) }))
      }
    }
    // what crossing namespaces costs each side: namespaces (ours) against loopback (baseline)
    const netns = results.get('netns')?.result
    const loopback = results.get('loopback')?.result
    const cost = notes(results.get('netns')?.failed, results.get('loopback')?.failed)
    for (const side of ['realmesh', 'plain'] as const) {
      rows.push(row({ suite: 'hosts', name: `hosts: ${side} lookup p50, namespaces vs loopback`, unit: 'ms', ours: p(netns?.[side].lookups.ms, 50), baseline: p(loopback?.[side].lookups.ms, 50), betterIs: 'lower', n: 3, note: cost }))
      rows.push(row({ suite: 'hosts', name: `hosts: ${side} round trip p50, namespaces vs loopback`, unit: 'ms', ours: p(netns?.[side].roundTripsMs, 50), baseline: p(loopback?.[side].roundTripsMs, 50), betterIs: 'lower', n: 3, note: cost }))
    }
    return rows
  }
}
