// realmesh's instruments on libp2p's metrics (RealmNodeInit.metrics) with the real
// @libp2p/prometheus-metrics and prom-client: they move with joins, refusals and messages, and a
// node without metrics has none.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { Registry } from 'prom-client'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { nextEvent, until } from '../src/index.js'
import { codeLabel } from '../src/metrics/codes.js'
import { Harness, makeRealm, addrs } from './fixtures.js'
import { text } from './subjects-fixtures.js'
import { collect, dial, echoServer } from './tunnel-fixtures.js'
import type { Realm } from './fixtures.js'
import type { RealmNode } from '../src/index.js'

/** the samples of `name` (collected now), as label-string -> value */
async function samples (registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name)
  assert.ok(metric != null, `${name} is registered`)
  const { values } = await metric.get()
  return new Map(values.map(v => [Object.entries(v.labels).map(([k, l]) => `${k}=${String(l)}`).join(','), v.value]))
}

async function value (registry: Registry, name: string, labels = ''): Promise<number> {
  return (await samples(registry, name)).get(labels) ?? 0
}

/** a histogram's observation count */
async function count (registry: Registry, name: string): Promise<number> {
  const { values } = await registry.getSingleMetric(name)?.get() ?? { values: [] }
  return values.find(v => (v as { metricName?: string }).metricName === `${name}_count`)?.value ?? 0
}

describe('realm metrics on libp2p\'s metrics', () => {
  const h = new Harness()
  const registry = new Registry()
  let realm: Realm
  let a: RealmNode
  let b: RealmNode
  let c: RealmNode
  before(async () => {
    realm = await makeRealm('metrics')
    // one node per process registers with prom-client (its metrics are process-wide): a
    a = await h.node(realm, { metrics: prometheusMetrics({ registry }) })
    b = await h.node(realm, { bootstrap: addrs(a).map(String) })
    c = await h.node(realm, { bootstrap: addrs(a).map(String) })
    await Promise.all([b, c].map(async n => n.whenJoined({ signal: AbortSignal.timeout(10_000) })))
    const all = [a, b, c]
    await until(() => all.every(n => n.status().routingTable >= 2), all, ['routing:changed'], { what: 'full routing tables' })
  })
  after(async () => { await h.stopAll() })

  test('joins, members, routing table buckets, handshake and join latency', async () => {
    assert.equal(await value(registry, 'realmesh_joins_total'), 2)
    assert.equal(await value(registry, 'realmesh_members'), 2)
    const buckets = await samples(registry, 'realmesh_routing_table_peers')
    assert.equal([...buckets.values()].reduce((x, y) => x + y, 0), 2, JSON.stringify([...buckets]))
    for (const key of buckets.keys()) assert.match(key, /^bucket=\d+$/)
    assert.ok(await count(registry, 'realmesh_handshake_duration_seconds') >= 2)
    assert.equal(await count(registry, 'realmesh_join_duration_seconds'), 2)
    // read from the node's own loop monitor (liveness runs it): a delay in seconds, not ms
    assert.ok((await samples(registry, 'realmesh_event_loop_delay_max_seconds')).has(''))
    const delay = await value(registry, 'realmesh_event_loop_delay_max_seconds')
    assert.ok(delay >= 0 && delay < 10, String(delay))
    // libp2p's own instruments are there too, on the same registry
    assert.ok(registry.getSingleMetric('libp2p_data_transfer_bytes_total') != null)
    assert.ok(registry.getSingleMetric('realmesh_kad_routing_table_size') != null)
  })

  test('a refusal is counted by its code', async () => {
    const stranger = await h.node(await makeRealm('elsewhere'))
    await assert.rejects(stranger.connect(addrs(a)))
    const refusals = await samples(registry, 'realmesh_join_refusals_total')
    const codes = [...refusals.entries()].filter(([, n]) => n > 0).map(([k]) => k)
    assert.equal(codes.length, 1, JSON.stringify([...refusals]))
    assert.ok(['code=TOKEN_WRONG_REALM', 'code=TOKEN_UNTRUSTED_ISSUER'].includes(codes[0] ?? ''), codes[0])
  })

  test('messages: published, sent, acked and their latency as a sender; delivered as a receiver', async () => {
    const sub = await b.subscribe('metrics-out', () => {})
    for (let i = 0; i < 5; i++) {
      const r = await a.publish('metrics-out', text(`m${i}`), { ack: 'destination' })
      assert.equal(r.results?.[0]?.status, 'delivered')
    }
    await sub.unsubscribe()
    assert.equal(await value(registry, 'realmesh_messages_published_total'), 5)
    assert.equal(await value(registry, 'realmesh_messages_sent_total'), 5)
    assert.equal(await value(registry, 'realmesh_messages_acked_total'), 5)
    assert.equal(await count(registry, 'realmesh_message_ack_duration_seconds'), 5)
    assert.equal(await value(registry, 'realmesh_subjects', 'role=sender'), 1)

    const got: string[] = []
    const inbound = await a.subscribe('metrics-in', (m) => { got.push(m.id) })
    for (let i = 0; i < 3; i++) await c.publish('metrics-in', text(`n${i}`), { ack: 'destination' })
    await inbound.unsubscribe()
    assert.equal(got.length, 3)
    assert.equal(await value(registry, 'realmesh_messages_delivered_total'), 3)
    // read again: a total-fed counter adds only what is new since the last scrape
    assert.equal(await value(registry, 'realmesh_messages_delivered_total'), 3)
    assert.ok(await value(registry, 'realmesh_token_cache_lookups_total', 'result=hit') > 0)
    assert.ok(await value(registry, 'realmesh_token_cache_hit_ratio') > 0)
  })

  test('a publish() refused is dropped with its code', async () => {
    await assert.rejects(a.publish('metrics-out', new Uint8Array(2 * 1024 * 1024)))
    assert.equal(await value(registry, 'realmesh_messages_dropped_total', 'cause=MESSAGE_TOO_LARGE'), 1)
  })

  test('tunnels: opened and open by direction, refusals by code; reachability; no mDNS counters with mDNS off', async () => {
    const echo = await echoServer()
    try {
      a.tunnels.expose({ name: 'echo', host: '127.0.0.1', port: echo.port })
      const forward = await b.tunnels.forward({ target: a.peerId, service: 'echo' })
      const opened = nextEvent(a.tunnels, 'tunnel:opened')
      const closed = nextEvent(a.tunnels, 'tunnel:closed')
      const socket = await dial(forward.port)
      const received = collect(socket)
      await opened
      assert.equal(await value(registry, 'realmesh_tunnels_open', 'direction=in'), 1)
      socket.end('ping')
      assert.equal((await received).bytes, 4)
      await closed
      assert.equal(await value(registry, 'realmesh_tunnels_opened_total', 'direction=in'), 1)
      assert.equal(await value(registry, 'realmesh_tunnels_opened_total', 'direction=out'), 0)
      assert.equal(await value(registry, 'realmesh_tunnels_open', 'direction=in'), 0)
      await forward.close()
      const missing = await b.tunnels.forward({ target: a.peerId, service: 'nothing-here' })
      const refusal = nextEvent(a.tunnels, 'tunnel:refused')
      // the forward resets the connection once the refusal comes back
      connect(missing.port, '127.0.0.1').on('error', () => {})
      await refusal
      await missing.close()
      assert.equal(await value(registry, 'realmesh_tunnel_refusals_total', 'code=TUNNEL_UNKNOWN_SERVICE'), 1)
    } finally {
      a.tunnels.unexpose('echo')
      await echo.close()
    }
    // without NAT traversal the node does not know: one state at 1, the others 0
    const states = await samples(registry, 'realmesh_reachability')
    assert.deepEqual([...states.entries()].sort(), [['state=private', 0], ['state=public', 0], ['state=unknown', 1]])
    assert.equal(await value(registry, 'realmesh_relay_reservations'), 0)
    assert.equal(registry.getSingleMetric('realmesh_mdns_dials_total'), undefined)
  })

  test('a node without metrics has none', () => {
    assert.equal(b.libp2p.metrics, undefined)
  })
})

describe('metric label codes', () => {
  test('a code realmesh defines is its own label; anything else (a remote\'s or an application\'s) is OTHER', () => {
    assert.equal(codeLabel('TOKEN_EXPIRED'), 'TOKEN_EXPIRED')
    assert.equal(codeLabel('HANDSHAKE_REPLAY'), 'HANDSHAKE_REPLAY')
    assert.equal(codeLabel('OUTBOX_FULL'), 'OUTBOX_FULL')
    assert.equal(codeLabel('TUNNEL_IDLE'), 'TUNNEL_IDLE')
    assert.equal(codeLabel('made-up-by-a-peer-1234'), 'OTHER')
    assert.equal(codeLabel(undefined), 'OTHER')
  })
})
