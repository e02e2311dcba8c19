// Heartbeats on the control API's NDJSON streams (issue 20: an idle `realmesh subscribe` died
// after 5 minutes with UND_ERR_BODY_TIMEOUT): the server writes a heartbeat line every period and
// names the period in a header; streamApi drops those lines, outlives many periods of silence, and
// ends with API_STREAM_ENDED when nothing at all arrives for its idle limit.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ControlApi, JsonLines, streamApi } from '../src/index.js'
import { HEARTBEAT_HEADER, msFromEnv } from '../src/api/heartbeat.js'
import type { ApiTarget } from '../src/index.js'

// long enough that a loaded machine's event-loop stalls (a few hundred ms at a load of 30 on 2
// cores) do not outlast the client's idle limit of 3 periods
const PERIOD_MS = 120

/** reads `path`'s stream with a plain fetch until `count` heartbeat lines came; resolves with the header */
async function countHeartbeats (api: ControlApi, path: string, count: number): Promise<string | null> {
  const controller = new AbortController()
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${api.token}` }, signal: controller.signal })
  assert.ok(res.body != null)
  let seen = 0
  let text = ''
  for await (const chunk of res.body) {
    text += Buffer.from(chunk).toString('utf8')
    seen = text.split('\n').filter(l => l === '{"type":"heartbeat"}').length
    if (seen >= count) break
  }
  controller.abort()
  assert.equal(seen, count)
  return res.headers.get(HEARTBEAT_HEADER)
}

describe('control API stream heartbeats', () => {
  let api: ControlApi
  let target: ApiTarget
  /** the quiet route ends once the test resolves this */
  let release = Promise.withResolvers<void>()

  before(async () => {
    api = await ControlApi.start({
      host: '127.0.0.1',
      port: 0,
      heartbeatMs: PERIOD_MS,
      routes: [
        { method: 'POST', path: '/silent', auth: true, handle: () => new JsonLines(async (_emit, signal) => { await new Promise(resolve => { signal.addEventListener('abort', resolve, { once: true }) }) }) },
        {
          method: 'POST',
          path: '/quiet',
          auth: true,
          handle: () => new JsonLines(async (emit) => {
            await emit({ type: 'first' })
            await release.promise
            await emit({ type: 'last' })
          })
        }
      ]
    })
    target = { url: api.url, token: api.token, source: 'test' }
  })
  // a failed test may leave /quiet waiting: let it end, or stopping the API waits for it for ever
  after(async () => { release.resolve(); await api.stop() })

  test('a silent stream carries a heartbeat line every period, and the header names the period', async () => {
    const header = await countHeartbeats(api, '/silent', 5)
    assert.equal(header, String(PERIOD_MS))
  })

  test('streamApi hands over no heartbeat, and a stream silent for many times its idle limit stays up', async () => {
    release = Promise.withResolvers<void>()
    const lines: unknown[] = []
    const stop = new AbortController()
    const reading = streamApi(target, '/quiet', (line) => { lines.push(line) }, { signal: stop.signal })
    // the idle limit is 3 periods: 20 periods of nothing but heartbeats go by first
    await countHeartbeats(api, '/silent', 20)
    release.resolve()
    await reading
    assert.deepEqual(lines, [{ type: 'first' }, { type: 'last' }])
  })

  test('nothing for the idle limit (a frozen daemon) is API_STREAM_ENDED, said as such', async () => {
    const started = Date.now()
    // an idle limit far under the server's period stands in for a daemon whose heartbeats stopped
    await assert.rejects(streamApi(target, '/silent', () => {}, { signal: new AbortController().signal, idleMs: 10 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'API_STREAM_ENDED')
      assert.match(err.message, /stopped answering: nothing on its stream for 10 ms/)
      return true
    })
    assert.ok(Date.now() - started < 5_000)
  })

  test('a period from the environment is checked: 10 ms to the maximum, whole numbers', () => {
    assert.equal(msFromEnv({}, 'X'), undefined)
    assert.equal(msFromEnv({ X: '250' }, 'X'), 250)
    for (const bad of ['0', '9', '1.5', '-5', 'abc', '99999999']) assert.throws(() => msFromEnv({ X: bad }, 'X', 90_000), { code: 'USAGE' })
  })

  test('a heartbeat period out of range is refused when the API starts', async () => {
    await assert.rejects(ControlApi.start({ host: '127.0.0.1', port: 0, routes: [], heartbeatMs: 5 }), RangeError)
  })
})
