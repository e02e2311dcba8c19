/**
 * GET /metrics (with the token): the daemon's metrics in Prometheus text format, libp2p's and
 * realmesh's, and the process's (prom-client's default metrics: CPU, memory, event-loop lag). With
 * metrics off (--no-metrics, metrics.enabled: false) it answers 404 METRICS_DISABLED.
 */
import { ApiRequestError } from '../server.js'
import type { HttpResponse } from '../router.js'
import type { DaemonMetrics } from '../../daemon/daemon-metrics.js'
import type { Route } from '../router.js'

export function metricsRoutes (metrics: DaemonMetrics): Route[] {
  return [{
    method: 'GET',
    path: '/metrics',
    auth: true,
    handle: async (): Promise<HttpResponse> => {
      const text = await metrics.scrape()
      if (text == null) throw new ApiRequestError(404, 'METRICS_DISABLED', 'this daemon runs without metrics (--no-metrics, or metrics.enabled: false in its config)')
      return text
    }
  }]
}
