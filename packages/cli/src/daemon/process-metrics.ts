/**
 * The process's metrics: prom-client's default collectors, all but its event-loop delay
 * (`nodejs_eventloop_lag_*`). That one keeps a perf_hooks histogram sampling the loop (every 10 ms
 * by default) and computes its mean, stddev and percentiles at every scrape: the largest share of
 * what metrics cost an idle daemon. The node's own loop monitor, which runs for its keepalives
 * anyway, gives the same view for free (`realmesh_event_loop_delay_max_seconds`).
 * prom-client's `collectDefaultMetrics` cannot leave one out, so its collectors are registered one by
 * one (prom-client 15 ships each as `lib/metrics/<name>.js`, each a `(registry, config) => void`).
 */
import { createRequire } from 'node:module'
import type { Registry } from 'prom-client'

type Collector = (registry: Registry, config: Record<string, never>) => void

/** prom-client 15's default collectors (lib/defaultMetrics.js) without `eventLoopLag` */
const COLLECTORS = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc'
] as const

const require = createRequire(import.meta.url)

export function registerProcessMetrics (registry: Registry): void {
  for (const name of COLLECTORS) {
    const collector = require(`prom-client/lib/metrics/${name}.js`) as Collector
    collector(registry, {})
  }
}
