/**
 * Suite 8, the cost of metrics: a node daemon with metrics on (GET /metrics scraped every second)
 * against the same daemon with --no-metrics, in rounds that alternate the two; each figure the
 * median round. Heap and CPU (issue 22's goal: under 5 % more).
 */
import { median } from '../stats.js'
import { failureOf, notes, resultOf, row } from './suite.js'
import type { BenchConfig } from '../config.js'
import type { DaemonMetricsJob } from '../jobs.js'
import type { DaemonMetricsResult } from '../runners/daemon-metrics.js'
import type { Row, Suite, SuiteContext } from './suite.js'

function metricsJobs (config: BenchConfig): DaemonMetricsJob[] {
  const { rounds, ...work } = config.metrics
  return Array.from({ length: rounds }, (_, round) => [false, true].map(metrics => ({ kind: 'daemon-metrics' as const, metrics, round: round + 1, ...work }))).flat()
}

function side (ctx: SuiteContext, metrics: boolean): { results: DaemonMetricsResult[], failures: string[] } {
  const results: DaemonMetricsResult[] = []
  const failures: string[] = []
  for (const job of metricsJobs(ctx.config).filter(j => j.metrics === metrics)) {
    const outcome = ctx.outcome(job)
    const result = resultOf<DaemonMetricsResult>(outcome)
    if (result != null) results.push(result)
    else failures.push(failureOf(outcome, `metrics ${metrics ? 'on' : 'off'} round ${job.round}`))
  }
  return { results, failures }
}

const MIB = 1024 * 1024

export const metricsSuite: Suite = {
  name: 'metrics',
  title: 'Metrics cost',
  describe: 'A `realmesh node start` daemon (runCli in the measuring process: control API, logger, and with metrics the prom-client registry, libp2p\'s and realmesh\'s instruments and prom-client\'s default metrics but its event-loop sampler) in a realm of a leader and a receiver running as `realmesh` processes. It publishes acked messages to the receiver through its control API, 8 at a time, while GET /metrics is scraped every second, then idles, scraped every 15 s (a common Prometheus interval), the scrapes coming from a process of their own as a Prometheus\'s do. Ours: metrics on; baseline: --no-metrics. CPU: the process\'s user + system time in each phase (the HTTP client publishing through it included, the same on both sides); heap and RSS after GC at the end. Rounds alternate the sides, each in a fresh process; each figure is the median round.',
  jobs: metricsJobs,
  rows: (ctx): Row[] => {
    const on = side(ctx, true)
    const off = side(ctx, false)
    const pick = (results: DaemonMetricsResult[], f: (r: DaemonMetricsResult) => number): number | null => results.length === 0 ? null : median(results.map(f))
    const first = on.results[0] ?? off.results[0]
    const scrapeMs = pick(on.results, r => r.scrapeCpuMs)
    const { scrapeMs: every, idleScrapeMs, idleMs } = ctx.config.metrics
    const note = notes(...on.failures, ...off.failures,
      first != null && `${first.messages} acked messages scraped every ${every / 1000} s, then ${idleMs / 1000} s idle scraped every ${idleScrapeMs / 1000} s; ${on.results.length}/${off.results.length} rounds`,
      scrapeMs != null && `one scrape (${Math.round((on.results[0]?.scrapeBytes ?? 0) / 1024)} KiB of text) costs the daemon ${scrapeMs.toFixed(1)} ms of CPU`)
    const figure = (name: string, unit: string, f: (r: DaemonMetricsResult) => number): Row =>
      row({ suite: 'metrics', name, unit, ours: pick(on.results, f), baseline: pick(off.results, f), betterIs: 'lower', n: 3, target: 1.05, note })
    return [
      figure('daemon CPU while publishing: metrics on vs off', 'ms', r => r.loadCpuMs),
      figure('daemon CPU while idle: metrics on vs off', 'ms', r => r.idleCpuMs),
      figure('daemon heap after GC: metrics on vs off', 'MiB', r => r.heapBytes / MIB),
      figure('daemon RSS after GC: metrics on vs off', 'MiB', r => r.rssBytes / MIB)
    ]
  }
}
