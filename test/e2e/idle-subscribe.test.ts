/**
 * An idle `realmesh subscribe` never dies on its own (issue 20: it ended after 5 minutes with
 * UND_ERR_BODY_TIMEOUT), and one whose daemon froze does not wait forever. A leader and a node as
 * OS processes whose control APIs send a heartbeat every 200 ms (REALMESH_API_HEARTBEAT_MS; 30 s
 * by default): the subscriber's own idle limit is 3 periods, so it outlives 25 periods of silence
 * only because the heartbeats come, then gets a message; with its daemon stopped by SIGSTOP it
 * ends with API_STREAM_ENDED "the daemon stopped answering" within a few periods.
 *
 * The test counts the heartbeats on a stream of its own to the same daemon: every wait is on a
 * line, never a sleep.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000
const SECRET = 'a-long-join-secret-for-this-test'
const PERIOD_MS = 200
const ENV = { REALMESH_API_HEARTBEAT_MS: String(PERIOD_MS) }

/** reads a subscribe stream of the daemon in `dir` (plain fetch) until `count` heartbeats came */
async function heartbeats (dir: string, count: number): Promise<void> {
  const { url, token } = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8')) as { url: string, token: string }
  const controller = new AbortController()
  const res = await fetch(`${url}/subjects/heartbeat-watch/subscribe`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', signal: controller.signal })
  assert.equal(res.headers.get('x-realmesh-heartbeat-ms'), String(PERIOD_MS))
  let seen = 0
  let text = ''
  assert.ok(res.body != null)
  for await (const chunk of res.body) {
    text += Buffer.from(chunk).toString('utf8')
    seen = text.split('\n').filter(l => l === '{"type":"heartbeat"}').length
    if (seen >= count) break
  }
  controller.abort()
  assert.ok(seen >= count, `${seen} heartbeats`)
}

describe('an idle subscribe across OS processes', { timeout: 180_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let leader: CliProcess
  let node: CliProcess
  let subscriber: CliProcess

  step('1. a leader and a node whose control APIs heartbeat every 200 ms', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'idle', '--dir', dir('L'), '--policy', 'auto', '--join-secret', SECRET])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config], ENV)
    await leader.waitForLine(/^control api /, STEP_MS)
    const realmFile = join(dir('L'), 'realm.json')
    node = e2e.procs.start('N1', ['node', 'start', '--dir', dir('N1'), '--config', e2e.config, '--realm', realmFile, '--join-secret', SECRET], ENV)
    await node.waitForLine(/^joined realm idle: /, STEP_MS)
  })

  step('2. a subscribe idle for 25 heartbeat periods (its idle limit is 3) is still up, and gets the next message', async () => {
    subscriber = e2e.procs.start('subscriber', ['subscribe', 'quiet', '--dir', dir('N1'), '--json'])
    await subscriber.waitForLine(/^subscribed to quiet /, STEP_MS)
    const idleFrom = Date.now()
    await heartbeats(dir('N1'), 25)
    assert.ok(subscriber.running, `the subscriber is still running after ${Date.now() - idleFrom} ms of silence\n${subscriber.describe()}`)
    console.log(`# an idle subscribe stayed up for ${Date.now() - idleFrom} ms with an idle limit of ${3 * PERIOD_MS} ms`)
    const published = await e2e.procs.run('publish', ['publish', 'quiet', 'after the silence', '--dir', dir('L'), '--ack'], STEP_MS)
    assert.equal(published.code, 0, e2e.procs.describe())
    await subscriber.waitForLine(/"data":"after the silence"/, STEP_MS)
  })

  step('3. the daemon frozen with SIGSTOP: the subscribe ends with API_STREAM_ENDED within a few periods', async () => {
    const frozenAt = Date.now()
    node.kill('SIGSTOP')
    try {
      const exit = await subscriber.waitForExit(STEP_MS)
      const after = Date.now() - frozenAt
      console.log(`# the subscribe noticed its frozen daemon after ${after} ms (idle limit ${3 * PERIOD_MS} ms)`)
      assert.equal(exit.code, 1)
      assert.match(subscriber.stderr, /error API_STREAM_ENDED: the daemon stopped answering/)
      assert.ok(after < 10_000, `${after} ms`)
    } finally {
      node.kill('SIGCONT')
    }
  })

  step('4. SIGTERM stops both daemons cleanly', async () => {
    for (const proc of [node, leader]) proc.kill('SIGTERM')
    for (const proc of [node, leader]) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
