/**
 * Suite 2, coordinator lookup at N = 100: realmesh finds a subject's coordinator through
 * src/adapters.ts findCoordinator (node.findCoordinators(subject, 1) on the realm's kad-dht); the
 * baseline runs kad-dht getClosestPeers for the same kind of key on a plain network of the same size.
 */
import { networkJob } from '../config.js'
import { lookupMean, lookupPercentile, lookupTrouble, networkResult } from './network-results.js'
import { notes, row } from './suite.js'
import type { Suite } from './suite.js'

export const lookupSuite: Suite = {
  name: 'lookup',
  title: 'Coordinator lookup',
  describe: 'After the network of the join suite settled, one lookup at a time from node i mod N for subject "subject-i" (after a few unmeasured warm-up lookups). realmesh: node.findCoordinators(subject, 1) (src/adapters.ts), the realm kad-dht walk for the subject key that stops once the closest member known has answered. Plain: kad-dht getClosestPeers(subjectKey("bench-plain", subject)). Hops: FIND_NODE round trips in sequence before the coordinator was known (0 = in the querying node\'s own table), from kad-dht\'s query events. "Correct": the coordinator found is the true closest node to the key (realmesh: among all members, the querier included, since a member may coordinate a subject itself; plain: all nodes but the querier, which getClosestPeers never returns).',
  jobs: (config) => [networkJob(config, 'realmesh', config.lookupSize), networkJob(config, 'plain', config.lookupSize)],
  rows: (ctx) => {
    const n = ctx.config.lookupSize
    const ours = networkResult(ctx, 'realmesh', n)
    const base = networkResult(ctx, 'plain', n)
    const note = notes(ours.failure, base.failure, lookupTrouble('realmesh', ours.result), lookupTrouble('plain', base.result))
    const correct = (r: typeof ours.result): number | null => r == null || r.lookups.ms.length === 0 ? null : r.lookups.correct / (r.lookups.ms.length + r.lookups.failures)
    return [
      row({ suite: 'lookup', name: 'coordinator lookup: latency p50', unit: 'ms', ours: lookupPercentile(ours.result, 50), baseline: lookupPercentile(base.result, 50), betterIs: 'lower', n, target: 1.2, note }),
      row({ suite: 'lookup', name: 'coordinator lookup: latency p99', unit: 'ms', ours: lookupPercentile(ours.result, 99), baseline: lookupPercentile(base.result, 99), betterIs: 'lower', n, target: 1.2, note }),
      row({ suite: 'lookup', name: 'coordinator lookup: hops (mean)', unit: 'hops', ours: lookupMean(ours.result, 'hops'), baseline: lookupMean(base.result, 'hops'), betterIs: 'lower', n, note }),
      row({ suite: 'lookup', name: 'coordinator lookup: FIND_NODE requests (mean)', unit: 'requests', ours: lookupMean(ours.result, 'queries'), baseline: lookupMean(base.result, 'queries'), betterIs: 'lower', n, note }),
      row({ suite: 'lookup', name: 'coordinator lookup: true closest found', unit: 'share', ours: correct(ours.result), baseline: correct(base.result), betterIs: 'higher', n, note })
    ]
  },
  charts: (ctx) => {
    const n = ctx.config.lookupSize
    const ours = networkResult(ctx, 'realmesh', n).result
    const base = networkResult(ctx, 'plain', n).result
    return [{
      file: 'lookup-latency.svg',
      kind: 'cdf',
      title: `Coordinator lookup latency, N = ${n} (CDF)`,
      xLabel: 'latency (ms)',
      yLabel: 'share of lookups',
      series: [
        { label: 'realmesh (realm kad-dht)', samples: ours?.lookups.ms ?? [] },
        { label: 'plain kad-dht getClosestPeers', samples: base?.lookups.ms ?? [] }
      ]
    }]
  }
}
