// The metrics-only listener (--metrics HOST:PORT): GET /metrics without a token, nothing else, and
// a port it cannot have is METRICS_LISTEN_FAILED.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { MetricsServer } from '../src/api/metrics-server.js'
import { HttpResponse } from '../src/api/router.js'

describe('metrics-only listener', () => {
  const servers: MetricsServer[] = []
  after(async () => { await Promise.all(servers.map(async s => s.stop())) })

  test('GET /metrics answers the scrape; other paths 404, other methods 405, no token asked', async () => {
    let scrapes = 0
    const server = await MetricsServer.start('127.0.0.1:0', async () => {
      scrapes++
      return new HttpResponse(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, 'realmesh_members 3\n')
    })
    servers.push(server)
    const res = await fetch(`${server.url}/metrics`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    assert.equal(await res.text(), 'realmesh_members 3\n')
    assert.equal(scrapes, 1)
    assert.equal((await fetch(`${server.url}/status`)).status, 404)
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' })).status, 405)
    assert.equal(scrapes, 1)
  })

  test('a port in use is METRICS_LISTEN_FAILED; a bad address METRICS_ADDRESS_INVALID', async () => {
    const first = await MetricsServer.start('127.0.0.1:0', async () => new HttpResponse(200, { 'content-type': 'text/plain' }, ''))
    servers.push(first)
    await assert.rejects(MetricsServer.start(first.url.replace('http://', ''), async () => new HttpResponse(200, { 'content-type': 'text/plain' }, '')), { code: 'METRICS_LISTEN_FAILED' })
    await assert.rejects(MetricsServer.start('nowhere', async () => new HttpResponse(200, { 'content-type': 'text/plain' }, '')), { code: 'METRICS_ADDRESS_INVALID' })
  })
})
