/**
 * Metrics and logs of the daemons end to end, every participant a `realmesh` OS process: a leader
 * and two nodes; GET /metrics scraped from the leader's control API (with its token) and from a
 * node's metrics-only listener (--metrics, no token), parsed by a Prometheus text-format parser.
 * The counters move with what the test does: a node joins, a node of another realm is refused,
 * 20 acked messages are published. One node logs JSON, a refused one JSON at level error only.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import { observations, scrape, value } from '../lib/prometheus.js'
import type { CliProcess } from '../lib/cli-process.js'
import type { Scrape } from '../lib/prometheus.js'

const STEP_MS = 60_000
const SECRET = 'metrics-secret-0123456789'
const MESSAGES = 20

describe('metrics and logs of CLI daemons', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let daemons: Map<string, CliProcess>
  let realmFile: string
  /** N1's metrics-only listener */
  let n1Metrics: string

  /** GET /metrics on a daemon's control API, with the token in its api.json */
  async function scrapeApi (name: string): Promise<Scrape> {
    const api = JSON.parse(await readFile(join(dir(name), 'api.json'), 'utf8')) as { url: string, token: string }
    return scrape(`${api.url}/metrics`, api.token)
  }

  step('1. a leader and two nodes; N1 logs JSON lines and serves metrics on a port of its own', async () => {
    const started = await startRealm(e2e, { name: 'metrics', secret: SECRET, nodes: ['N1', 'N2'], stepMs: STEP_MS, nodeArgs: { N1: ['--metrics', '127.0.0.1:0', '--log-format', 'json'] } })
    daemons = started.daemons
    realmFile = started.realmFile
    const n1 = daemons.get('N1')
    assert.ok(n1 != null)
    n1Metrics = (await n1.waitForLine(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics) \(no token\)$/, STEP_MS))[1] ?? ''

    // every line N1 wrote is one JSON object with time, level and event
    for (const line of n1.rawStderr) {
      const record = JSON.parse(line) as { time?: unknown, level?: unknown, event?: unknown, msg?: unknown }
      assert.ok(typeof record.time === 'string' && !Number.isNaN(Date.parse(record.time)), line)
      assert.ok(['error', 'warn', 'info', 'debug'].includes(record.level as string), line)
      assert.ok(typeof record.event === 'string' && record.event !== '', line)
      assert.equal(typeof record.msg, 'string', line)
    }
    const joined = n1.rawStderr.map(l => JSON.parse(l) as { event: string, members?: number }).find(r => r.event === 'joined')
    assert.ok(joined != null && typeof joined.members === 'number', 'the joined line carries its fields')
    // the others log text: every line a time and a level before the message
    for (const line of daemons.get('N2')?.rawStderr ?? []) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (ERROR|WARN|INFO|DEBUG) +\S/)

    // the metrics-only listener takes no token, and serves nothing else
    const open = await scrape(n1Metrics)
    assert.ok(value(open, 'realmesh_members') >= 1, 'N1 holds the leader at least')
    assert.equal((await fetch(n1Metrics.replace(/\/metrics$/, '/status'))).status, 404)
    // the control API's /metrics needs the token
    const api = JSON.parse(await readFile(join(dir('L'), 'api.json'), 'utf8')) as { url: string }
    assert.equal((await fetch(`${api.url}/metrics`)).status, 401)
  })

  step('2. a join: the leader counts it, and has one member more', async () => {
    const before = await scrapeApi('L')
    assert.equal(value(before, 'realmesh_members'), 2)
    assert.equal(value(before, 'realmesh_joins_total'), 2)
    const n3 = e2e.procs.start('N3', ['node', 'start', '--dir', dir('N3'), '--config', e2e.config, '--realm', realmFile, '--join-secret', SECRET])
    const [, peerId = ''] = await n3.waitForLine(/^peer id (\S+)$/, STEP_MS)
    await daemons.get('L')?.waitForLine(new RegExp(`^member joined ${peerId} `), STEP_MS)
    const after = await scrapeApi('L')
    assert.equal(value(after, 'realmesh_joins_total'), 3)
    assert.equal(value(after, 'realmesh_members'), 3)
    // the leader service's own: N3's token, asked with the join secret, issued at once
    assert.equal(value(after, 'realmesh_leader_tokens_issued_total', { how: 'auto', kind: 'node' }), value(before, 'realmesh_leader_tokens_issued_total', { how: 'auto', kind: 'node' }) + 1)
    assert.equal(value(after, 'realmesh_leader_requests_waiting'), 0)
    assert.ok(observations(after, 'realmesh_join_duration_seconds') >= 3)
    assert.ok(observations(after, 'realmesh_handshake_duration_seconds') >= 3)
    // the routing table's peers by bucket add up to the members in it
    const buckets = after.get('realmesh_routing_table_peers')?.metrics ?? []
    assert.ok(buckets.every(m => /^\d+$/.test(m.labels?.bucket ?? '')))
    assert.equal(value(after, 'realmesh_routing_table_peers'), 3)
  })

  step('3. a refusal: a node of another realm dials the leader and is refused, counted by its code', async () => {
    const before = await scrapeApi('L')
    const refusedBefore = value(before, 'realmesh_join_refusals_total')
    const [, leaderAddress = ''] = await daemons.get('L')?.waitForLine(/^listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)$/, STEP_MS) ?? []
    await e2e.procs.ok('other leader init', ['leader', 'init', '--name', 'other', '--dir', dir('O'), '--policy', 'auto', '--join-secret', SECRET])
    const stranger = (await e2e.procs.ok('node init', ['node', 'init', '--dir', dir('S')])).trim()
    await e2e.procs.ok('token issue', ['token', 'issue', '--dir', dir('O'), '--peer', stranger, '--out', join(dir('S'), 'given.token')])
    const run = e2e.procs.start('stranger', ['node', 'start', '--dir', dir('S'), '--config', e2e.config, '--realm', join(dir('O'), 'realm.json'), '--token', join(dir('S'), 'given.token'), '--bootstrap', leaderAddress, '--log-format', 'json', '--log-level', 'error'])
    assert.equal((await run.waitForExit(STEP_MS)).code, 2, run.stderr)
    // at level error, only errors: the refusal
    const lines = run.rawStderr.map(l => JSON.parse(l) as { level: string, event: string, code?: string })
    assert.ok(lines.length > 0 && lines.every(l => l.level === 'error'), run.rawStderr.join('\n'))
    assert.ok(lines.some(l => l.event === 'refused' && /^TOKEN_(WRONG_REALM|UNTRUSTED_ISSUER)$/.test(l.code ?? '')), run.rawStderr.join('\n'))

    const after = await scrapeApi('L')
    const refused = (after.get('realmesh_join_refusals_total')?.metrics ?? []).filter(m => Number(m.value) > 0)
    assert.ok(value(after, 'realmesh_join_refusals_total') > refusedBefore, JSON.stringify(refused))
    assert.ok(refused.every(m => /^TOKEN_(WRONG_REALM|UNTRUSTED_ISSUER)$/.test(m.labels?.code ?? '')), JSON.stringify(refused))
    assert.equal(value(after, 'realmesh_members'), 3, 'the stranger is no member')
  })

  step(`4. ${MESSAGES} acked messages from N1 to a subscriber on N2: published, sent, acked and delivered move by ${MESSAGES}`, async () => {
    const sender = await scrape(n1Metrics)
    const receiver = await scrapeApi('N2')
    const subscriber = e2e.procs.start('subscriber', ['subscribe', 'readings', '--dir', dir('N2'), '--json'])
    await subscriber.waitForLine(/^subscribed to readings /, STEP_MS)
    for (let i = 1; i <= MESSAGES; i += 5) {
      const batch = Array.from({ length: 5 }, (_, j) => i + j)
      const results = await Promise.all(batch.map(async n => e2e.procs.run(`publish ${n}`, ['publish', 'readings', String(n), '--dir', dir('N1'), '--ack'], STEP_MS)))
      for (const r of results) assert.equal(r.code, 0, r.stderr)
    }
    await subscriber.waitForLines(/"data":/, MESSAGES, STEP_MS)

    const sent = await scrape(n1Metrics)
    const moved = (name: string): number => value(sent, name) - value(sender, name)
    assert.equal(moved('realmesh_messages_published_total'), MESSAGES)
    assert.equal(moved('realmesh_messages_sent_total'), MESSAGES)
    assert.equal(moved('realmesh_messages_acked_total'), MESSAGES)
    assert.equal(observations(sent, 'realmesh_message_ack_duration_seconds') - observations(sender, 'realmesh_message_ack_duration_seconds'), MESSAGES)
    assert.equal(value(sent, 'realmesh_subjects', { role: 'sender' }), 1)
    assert.equal(value(sent, 'realmesh_messages_dropped_total'), 0)
    const got = await scrapeApi('N2')
    assert.equal(value(got, 'realmesh_messages_delivered_total') - value(receiver, 'realmesh_messages_delivered_total'), MESSAGES)
    assert.equal(value(got, 'realmesh_subjects', { role: 'receiver' }), 1)
    // libp2p's and the process's metrics are in the same scrape
    assert.ok(value(sent, 'libp2p_data_transfer_bytes_total') > 0)
    assert.ok(sent.has('process_cpu_seconds_total'))
    assert.ok(sent.has('realmesh_event_loop_delay_max_seconds'))
    // prom-client's event-loop sampler is left out (src/daemon/process-metrics.ts): the node's own gives the delay
    assert.ok(!sent.has('nodejs_eventloop_lag_seconds'))
  })
})
