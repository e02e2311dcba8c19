/** Suite 6, growth: lookup latency and memory per node at N = 25, 50, 100, 200. */
import { networkJob } from '../config.js'
import { lookupPercentile, lookupTrouble, networkResult } from './network-results.js'
import { perNode } from './memory.js'
import { notes, row } from './suite.js'
import type { Chart, Row, Suite } from './suite.js'
import type { NetworkResult } from '../runners/network.js'
import type { Side } from '../jobs.js'

export const growthSuite: Suite = {
  name: 'growth',
  title: 'Growth',
  describe: 'The lookup and memory measurements of suites 2 and 5 at every network size, so the curve is visible (charts growth-lookup.svg and growth-memory.svg).',
  jobs: (config) => config.growthSizes.flatMap(n => [networkJob(config, 'realmesh', n), networkJob(config, 'plain', n)]),
  rows: (ctx) => ctx.config.growthSizes.flatMap((n): Row[] => {
    const ours = networkResult(ctx, 'realmesh', n)
    const base = networkResult(ctx, 'plain', n)
    const failed = notes(ours.failure, base.failure)
    return [
      row({ suite: 'growth', name: `growth: lookup p50 (N=${n})`, unit: 'ms', ours: lookupPercentile(ours.result, 50), baseline: lookupPercentile(base.result, 50), betterIs: 'lower', n, note: notes(failed, lookupTrouble('realmesh', ours.result), lookupTrouble('plain', base.result)) }),
      row({ suite: 'growth', name: `growth: lookup p99 (N=${n})`, unit: 'ms', ours: lookupPercentile(ours.result, 99), baseline: lookupPercentile(base.result, 99), betterIs: 'lower', n, note: failed }),
      row({ suite: 'growth', name: `growth: heap per node (N=${n})`, unit: 'MiB', ours: perNode(ours.result?.memory.heapPerNode), baseline: perNode(base.result?.memory.heapPerNode), betterIs: 'lower', n, note: failed }),
      row({ suite: 'growth', name: `growth: RSS per node (N=${n})`, unit: 'MiB', ours: perNode(ours.result?.memory.rssPerNode), baseline: perNode(base.result?.memory.rssPerNode), betterIs: 'lower', n, note: failed })
    ]
  }),
  charts: (ctx) => {
    const sizes = ctx.config.growthSizes
    const points = (side: Side, of: (r: NetworkResult) => number | null): Array<[number, number]> => sizes.flatMap((n): Array<[number, number]> => {
      const r = networkResult(ctx, side, n).result
      const y = r == null ? null : of(r)
      return y == null ? [] : [[n, y]]
    })
    return [
      lineChart('growth-lookup.svg', 'Coordinator lookup latency by network size', 'latency (ms)', [
        { label: 'realmesh p50', points: points('realmesh', r => lookupPercentile(r, 50)) },
        { label: 'plain kad-dht p50', points: points('plain', r => lookupPercentile(r, 50)) },
        { label: 'realmesh p99', points: points('realmesh', r => lookupPercentile(r, 99)), dashed: true },
        { label: 'plain kad-dht p99', points: points('plain', r => lookupPercentile(r, 99)), dashed: true }
      ]),
      lineChart('growth-memory.svg', 'Memory per node by network size', 'MiB per node', [
        { label: 'realmesh heap', points: points('realmesh', r => perNode(r.memory.heapPerNode)) },
        { label: 'plain heap', points: points('plain', r => perNode(r.memory.heapPerNode)) },
        { label: 'realmesh RSS', points: points('realmesh', r => perNode(r.memory.rssPerNode)), dashed: true },
        { label: 'plain RSS', points: points('plain', r => perNode(r.memory.rssPerNode)), dashed: true }
      ])
    ]
  }
}

function lineChart (file: string, title: string, yLabel: string, series: Chart['series']): Chart {
  return { file, kind: 'line', title, xLabel: 'nodes (N)', yLabel, series }
}
