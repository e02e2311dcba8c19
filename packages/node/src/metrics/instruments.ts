/**
 * Small adapters over libp2p's Metrics interface for what realmesh measures: a counter fed from a
 * running total the node already keeps (libp2p's calculated counters add what `calculate` returns
 * at each scrape, so the total is turned into the increase since the last scrape), and a gauge
 * group whose label values may come and go (a value that is gone reads 0 rather than its last).
 */
import type { Metrics } from '@libp2p/interface'

/** the buckets of realmesh's latency histograms, seconds: 1 ms to 30 s */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** a counter whose value is `total()`, a running total kept elsewhere (never decreasing) */
export function counterOfTotal (metrics: Metrics, name: string, help: string, total: () => number): void {
  let last = 0
  metrics.registerCounter(name, {
    help,
    calculate: () => {
      const now = total()
      const increase = Math.max(0, now - last)
      last = Math.max(last, now)
      return increase
    }
  })
}

/** a counter group whose values are the running totals `totals()` returns, by label value */
export function counterGroupOfTotals (metrics: Metrics, name: string, label: string, help: string, totals: () => Record<string, number>): void {
  const last = new Map<string, number>()
  metrics.registerCounterGroup(name, {
    label,
    help,
    calculate: () => {
      const out: Record<string, number> = {}
      for (const [key, now] of Object.entries(totals())) {
        const before = last.get(key) ?? 0
        out[key] = Math.max(0, now - before)
        last.set(key, Math.max(before, now))
      }
      return out
    }
  })
}

/**
 * a gauge group read at each scrape; a label value returned once and missing later reads 0 (the
 * values are few and bounded: buckets, roles)
 */
export function gaugeGroup (metrics: Metrics, name: string, label: string, help: string, read: () => Record<string, number>): void {
  const seen = new Set<string>()
  metrics.registerMetricGroup(name, {
    label,
    help,
    calculate: () => {
      const values = read()
      const out: Record<string, number> = {}
      for (const key of seen) out[key] = 0
      for (const [key, value] of Object.entries(values)) {
        seen.add(key)
        out[key] = value
      }
      return out
    }
  })
}

/** a gauge read at each scrape */
export function gauge (metrics: Metrics, name: string, help: string, read: () => number): void {
  metrics.registerMetric(name, { help, calculate: read })
}
