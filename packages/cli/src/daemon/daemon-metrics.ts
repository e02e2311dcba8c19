/**
 * A daemon's metrics: one prom-client registry that libp2p's metrics (@libp2p/prometheus-metrics,
 * realmesh's instruments among them) and prom-client's default process metrics are registered on,
 * scraped by GET /metrics and, with `--metrics HOST:PORT`, by a listener that serves only that.
 */
import { Registry } from 'prom-client'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { HttpResponse } from '../api/router.js'
import { MetricsServer } from '../api/metrics-server.js'
import type { RealmNodeInit } from '@realmesh/node'
import type { DaemonSettings } from '../config/daemon-settings.js'
import type { Logger } from '../log/logger.js'

/** ms between prom-client's event-loop delay samples (nodejs_eventloop_lag_*) */
const LOOP_LAG_PRECISION_MS = 1_000

export interface DaemonMetrics {
  /** RealmNodeInit.metrics (undefined: metrics off) */
  readonly libp2p: RealmNodeInit['metrics']
  /** the Prometheus text, undefined with metrics off */
  scrape: () => Promise<HttpResponse | undefined>
  /** where the daemon's own instruments go (the leader service's), undefined with metrics off */
  readonly registry: Registry | undefined
  /** starts the metrics-only listener, when one is asked for */
  listen: (log: Logger) => Promise<void>
  stop: () => Promise<void>
}

export function daemonMetrics (settings: DaemonSettings['metrics']): DaemonMetrics {
  if (!settings.enabled) {
    return { libp2p: undefined, registry: undefined, scrape: async () => undefined, listen: async () => {}, stop: async () => {} }
  }
  const registry = new Registry()
  const scrape = async (): Promise<HttpResponse> =>
    new HttpResponse(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }, await registry.metrics())
  let server: MetricsServer | undefined
  return {
    // prom-client samples the event loop's delay every 10 ms by default: 3.3 ms of CPU a second on
    // an idle daemon, more than all else metrics cost it. Once a second is cheap and still catches
    // every stall of a second or more; realmesh_event_loop_delay_max_seconds has the fine view
    // (the node's own monitor, which runs anyway)
    libp2p: prometheusMetrics({ registry, defaultMetrics: { eventLoopMonitoringPrecision: LOOP_LAG_PRECISION_MS } }),
    registry,
    scrape,
    listen: async (log) => {
      if (settings.listen == null) return
      server = await MetricsServer.start(settings.listen, scrape)
      log.info('metrics', `metrics on ${server.url}/metrics (no token)`, { url: `${server.url}/metrics` })
    },
    stop: async () => { await server?.stop() }
  }
}
