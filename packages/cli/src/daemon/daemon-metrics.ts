/**
 * A daemon's metrics: one prom-client registry that libp2p's metrics (@libp2p/prometheus-metrics,
 * realmesh's instruments among them) and the process's (prom-client's defaults but its event-loop
 * sampler: ./process-metrics.ts) are registered on, scraped by GET /metrics and, with
 * `--metrics HOST:PORT`, by a listener that serves only that.
 */
import { Registry } from 'prom-client'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { HttpResponse } from '../api/router.js'
import { MetricsServer } from '../api/metrics-server.js'
import { registerProcessMetrics } from './process-metrics.js'
import type { RealmNodeInit } from '@realmesh/node'
import type { DaemonSettings } from '../config/daemon-settings.js'
import type { Logger } from '../log/logger.js'

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

export function daemonMetrics (settings: DaemonSettings['metrics'], dataDir: string): DaemonMetrics {
  if (!settings.enabled) {
    return { libp2p: undefined, registry: undefined, scrape: async () => undefined, listen: async () => {}, stop: async () => {} }
  }
  const registry = new Registry()
  registerProcessMetrics(registry)
  const scrape = async (): Promise<HttpResponse> =>
    new HttpResponse(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }, await registry.metrics())
  let server: MetricsServer | undefined
  return {
    // nodejs_fs_usage_bytes: the file system the daemon keeps its state on, not the cwd's
    libp2p: prometheusMetrics({ registry, collectDefaultMetrics: false, statfsLocation: dataDir }),
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
