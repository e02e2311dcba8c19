/**
 * The metrics-only listener (`--metrics HOST:PORT`): GET /metrics and nothing else, without the
 * API token, on any address (a Prometheus on another host scrapes it). It reads no request body,
 * answers each connection once, and keeps few connections for a short time: it cannot be used to
 * do anything but read the figures.
 */
import { createServer } from 'node:http'
import { parseHostPort } from './address.js'
import { listenOn, sendRaw } from './server.js'
import { CliError, UsageError } from '../errors.js'
import type { Server } from 'node:http'
import type { HttpResponse } from './router.js'

/** connections open at once; more are refused by node */
const MAX_CONNECTIONS = 16
const TIMEOUT_MS = 10_000

export class MetricsServer {
  readonly url: string
  private readonly server: Server

  private constructor (server: Server, url: string) {
    this.server = server
    this.url = url
  }

  static async start (address: string, scrape: () => Promise<HttpResponse>): Promise<MetricsServer> {
    const hostPort = parseHostPort(address)
    if (hostPort == null) throw new UsageError(`--metrics: expected HOST:PORT, got ${JSON.stringify(address)}`, 'METRICS_ADDRESS_INVALID')
    const server = createServer({ headersTimeout: TIMEOUT_MS, requestTimeout: TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, (req, res) => {
      res.setHeader('connection', 'close')
      const path = (req.url ?? '').split('?')[0]
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.statusCode = path === '/metrics' ? 405 : 404
        res.end()
        return
      }
      scrape().then((body) => { sendRaw(res, body) }, () => {
        res.statusCode = 500
        res.end()
      })
    })
    server.maxConnections = MAX_CONNECTIONS
    server.keepAliveTimeout = 1_000
    server.maxHeadersCount = 50
    try {
      return new MetricsServer(server, await listenOn(server, hostPort.host, hostPort.port))
    } catch (err) {
      // a port in use, an address not on this host: said as the metrics listener's, with its code
      throw new CliError('METRICS_LISTEN_FAILED', `cannot serve metrics on ${address}: ${(err as Error).message}`, { cause: err })
    }
  }

  async stop (): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => { resolve() })
      this.server.closeAllConnections()
    })
  }
}
