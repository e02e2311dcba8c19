/**
 * Figures out of simulation reports: a text summary per run, a markdown table across runs, and
 * two SVG charts (lookup hops against log2 N; cost per member against N), drawn by the bench's
 * chart code.
 */
import { lineChartSvg } from '@realmesh/bench'
import type { SimReport } from './run.js'

const pct = (part: number, whole: number): string => whole === 0 ? '-' : `${(100 * part / whole).toFixed(1)}%`
const fixed = (v: number, digits = 1): string => v.toFixed(digits)

export function summary (r: SimReport): string {
  const c = r.convergence
  return [
    `N = ${r.nodes}${r.joined < r.nodes ? ` (${r.joined} joined)` : ''}: ${r.settled ? 'settled' : r.outOfTime ? 'NOT settled (real-time budget out)' : 'NOT settled'} after ${r.start === 'warm' ? `a warm start (${fixed(r.cost.warmCpuSeconds ?? 0)} s CPU)` : `${fixed(r.simSeconds.join, 0)} s of joins`} + ${fixed(r.simSeconds.settle, 0)} s simulated; ${fixed(r.realSeconds, 0)} s real (load ${r.loadAverage.join(' ')})`,
    `  tables: ${c.completeNeighbourhoods}/${r.joined} complete neighbourhoods (${pct(c.neighbourhoodShare, 1)} of true k closest held), ${pct(c.healthyBuckets, c.buckets)} healthy buckets, members p50 ${c.members.p50} max ${c.members.max}`,
    `  kad-dht tables: ${fixed(c.kad.mean)} peers mean, ${c.kad.completeNeighbourhoods}/${r.joined} hold their k closest (${pct(c.kad.neighbourhoodShare, 1)})`,
    `  lookups: ${r.lookups.trueClosest}/${r.lookups.total} true coordinators, first found ${r.lookups.firstFound}; hops mean ${fixed(r.lookups.hops.mean, 2)} p99 ${r.lookups.hops.p99} (log2 N = ${fixed(Math.log2(r.nodes))}); queries mean ${fixed(r.lookups.queries.mean)}`,
    `  coordinators of ${r.stability.subjects} subjects: a join moved ${r.stability.join.changed} (expected ${fixed(r.stability.join.expected)}), lookups agree ${r.stability.join.lookupsAgree}/${r.stability.join.checked}; a leave moved ${r.stability.leave.changed}, lookups agree ${r.stability.leave.lookupsAgree}/${r.stability.leave.checked}`,
    `  cost: ${fixed(r.cost.cpuSeconds)} s CPU, ${fixed(r.cost.cpuPerEventUs)} µs per event, ${fixed(r.cost.cpuPerNodePerSimSecondUs)} µs per member per simulated s; heap ${fixed(r.cost.heapPerNodeKiB)} KiB per member (${fixed(r.cost.heapMiB, 0)} MiB, RSS ${fixed(r.cost.rssMiB, 0)} MiB)`
  ].join('\n')
}

export function markdownTable (reports: SimReport[]): string {
  const rows = [...reports].sort((a, b) => a.nodes - b.nodes || (a.start === 'warm' ? 1 : 0) - (b.start === 'warm' ? 1 : 0)).map(r => {
    const c = r.convergence
    const size = `${r.joined < r.nodes ? `${r.nodes.toLocaleString('en')} (${r.joined.toLocaleString('en')} joined)` : r.nodes.toLocaleString('en')}${r.start === 'warm' ? ', warm start' : ''}`
    return `| ${size} | ${r.settled ? `${fixed(r.simSeconds.settle, 0)} s` : `no (${fixed(r.simSeconds.settle, 0)} s${r.outOfTime ? ', time budget' : ''})`} | ${pct(c.completeNeighbourhoods, r.joined)} | ${pct(c.kad.completeNeighbourhoods, r.joined)} | ${pct(c.healthyBuckets, c.buckets)} | ${c.members.p50} / ${c.members.max} | ${r.lookups.trueClosest}/${r.lookups.total} | ${fixed(r.lookups.hops.mean, 2)} / ${r.lookups.hops.p99} (${fixed(Math.log2(r.nodes))}) | ${r.stability.join.changed} (${fixed(r.stability.join.expected)}), ${r.stability.join.lookupsAgree}/${r.stability.join.checked} | ${r.stability.leave.changed}, ${r.stability.leave.lookupsAgree}/${r.stability.leave.checked} | ${fixed(r.cost.heapPerNodeKiB)} | ${fixed(r.cost.cpuPerNodePerSimSecondUs)} | ${fixed(r.cost.cpuPerEventUs)} | ${fixed(r.realSeconds / 60)} min (${r.loadAverage[0] ?? '-'}) |`
  })
  return [
    '| N | settled after | complete neighbourhoods | kad-dht tables with the k closest | healthy buckets | members p50 / max | lookups: true coordinators | hops mean / p99 (log2 N) | a join: subjects moved (expected), lookups agree | a leave: moved, lookups agree | heap KiB / member | CPU µs / member / sim s | CPU µs / event | real time (load) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows
  ].join('\n')
}

export function charts (reports: SimReport[]): Record<string, string> {
  const sorted = [...reports].sort((a, b) => a.nodes - b.nodes).filter(r => r.start !== 'warm')
  const warm = [...reports].sort((a, b) => a.nodes - b.nodes).filter(r => r.start === 'warm')
  const warmSettled = warm.filter(r => r.settled)
  const x = (r: SimReport): number => Math.log2(r.nodes)
  // warm starts as series of their own (a realm that did not grow from one), when there are any
  const alsoWarm = <T>(series: T[]): T[] => warm.length === 0 ? [] : series
  return {
    'sim-hops.svg': lineChartSvg({
      title: 'Simulated coordinator lookups: hops to the closest member',
      xLabel: 'log2 N (members)',
      yLabel: 'hops',
      series: [
        { label: 'hops mean', points: sorted.map(r => [x(r), r.lookups.hops.mean]) },
        { label: 'hops p99', points: sorted.map(r => [x(r), r.lookups.hops.p99]), dashed: true },
        { label: 'queries mean', points: sorted.map(r => [x(r), r.lookups.queries.mean]) },
        ...alsoWarm([{ label: 'hops mean, warm start', points: warm.map(r => [x(r), r.lookups.hops.mean] as [number, number]), dashed: true }])
      ]
    }),
    'sim-cost.svg': lineChartSvg({
      title: 'Simulated realm: cost per member as N grows',
      xLabel: 'log2 N (members)',
      yLabel: 'per member',
      series: [
        { label: 'heap KiB', points: sorted.map(r => [x(r), r.cost.heapPerNodeKiB]) },
        { label: 'CPU µs / sim s', points: sorted.map(r => [x(r), r.cost.cpuPerNodePerSimSecondUs]) },
        { label: 'members', points: sorted.map(r => [x(r), r.convergence.members.mean]) },
        // a warm realm measured before its quiet window holds less and ran too short for a figure per
        // simulated second: only the settled ones are comparable
        ...alsoWarm([
          { label: 'heap KiB, warm start', points: warmSettled.map(r => [x(r), r.cost.heapPerNodeKiB] as [number, number]), dashed: true },
          { label: 'CPU µs / sim s after a warm start', points: warmSettled.map(r => [x(r), r.cost.cpuPerNodePerSimSecondUs] as [number, number]), dashed: true }
        ])
      ]
    })
  }
}
