// The dashboard's API on a real leader (a testnet leader and node, the control API on 127.0.0.1):
// the page served under its CSP, the one-time login, the session cookie and its CSRF rule, the
// picture and its event stream, and `realmesh top`'s one frame when stdout is not a terminal.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { until } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { ControlApi, Dashboard, dashboardRoutes, pendingRoutes, runCli } from '../src/index.js'
import { RecordingIo } from './helpers.js'
import type { IncomingMessage } from 'node:http'
import type { Testnet } from '@realmesh/testnet'
import type { DashboardState } from '../src/index.js'

interface Reply { status: number, headers: IncomingMessage['headers'], text: string }

async function send (api: ControlApi, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: api.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const code = (reply: Reply): unknown => (JSON.parse(reply.text) as { code?: unknown }).code
const CSRF = { 'x-realmesh-csrf': '1' }

describe('dashboard', () => {
  let net: Testnet
  let dashboard: Dashboard
  let api: ControlApi
  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${api.token}` })

  /** a fresh login token, traded for a session: the Cookie header value */
  async function session (): Promise<string> {
    const login = JSON.parse((await send(api, 'POST', '/dashboard/login', bearer())).text) as { path: string }
    const token = /#login=(.+)$/.exec(login.path)?.[1] ?? ''
    const reply = await send(api, 'POST', '/dashboard/session', { ...CSRF, 'x-realmesh-login': token })
    assert.equal(reply.status, 200, reply.text)
    return String(reply.headers['set-cookie']?.[0]).split(';')[0] ?? ''
  }

  before(async () => {
    net = await createTestnet({ size: 1, policy: { mode: 'manual' } })
    await net.whenJoined()
    dashboard = new Dashboard(net.leader.node, { role: 'leader', leader: net.leader.service, intervalMs: 100 })
    dashboard.start()
    api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...pendingRoutes(net.leader.service), ...dashboardRoutes(dashboard)], sessions: dashboard.sessions })
  })
  after(async () => {
    await api.stop()
    dashboard.stop()
    await net.stop()
  })

  test('the page and its files need no token, and come with a CSP of this origin only and no framing', async () => {
    const page = await send(api, 'GET', '/dashboard')
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/)
    assert.match(page.text, /<script type="module" src="\/dashboard\/app\.js">/)
    assert.doesNotMatch(page.text, /\son[a-z]+=/i, 'no inline event handlers')
    const uplot = await send(api, 'GET', '/dashboard/vendor/uPlot.esm.js')
    assert.equal(uplot.status, 200)
    assert.match(String(uplot.headers['content-type']), /^text\/javascript/)
    assert.match(uplot.text, /export \{ uPlot as default \}|export default uPlot/)
    assert.equal((await send(api, 'GET', '/dashboard/package.json')).status, 404)
    assert.equal((await send(api, 'GET', '/dashboard/vendor/..%2F..%2Fpackage.json')).status, 404)
  })

  test('a login token is issued for the API token only, and is good once', async () => {
    assert.equal((await send(api, 'POST', '/dashboard/login')).status, 401)
    const login = JSON.parse((await send(api, 'POST', '/dashboard/login', bearer())).text) as { path: string }
    assert.match(login.path, /^\/dashboard\/#login=[A-Za-z0-9_-]{43}$/)
    const token = login.path.slice(login.path.indexOf('=') + 1)
    // without the page's CSRF header it is refused, and not used up
    const forged = await send(api, 'POST', '/dashboard/session', { 'x-realmesh-login': token })
    assert.equal(forged.status, 403)
    assert.equal(code(forged), 'CSRF_REFUSED')
    const first = await send(api, 'POST', '/dashboard/session', { ...CSRF, 'x-realmesh-login': token })
    assert.equal(first.status, 200, first.text)
    const cookie = String(first.headers['set-cookie']?.[0])
    assert.match(cookie, /^realmesh_dashboard_[0-9a-f]{8}=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    const second = await send(api, 'POST', '/dashboard/session', { ...CSRF, 'x-realmesh-login': token })
    assert.equal(second.status, 401)
    assert.equal(code(second), 'LOGIN_INVALID')
    assert.equal(second.headers['set-cookie'], undefined)
  })

  test('the session cookie reads the picture; no cookie, or a forged one, is 401', async () => {
    const cookie = await session()
    assert.equal((await send(api, 'GET', '/dashboard/state')).status, 401)
    assert.equal((await send(api, 'GET', '/dashboard/state', { cookie: `${cookie.split('=')[0] ?? ''}=${'A'.repeat(43)}` })).status, 401)
    const reply = await send(api, 'GET', '/dashboard/state', { cookie })
    assert.equal(reply.status, 200, reply.text)
    const state = JSON.parse(reply.text) as DashboardState
    assert.equal(state.role, 'leader')
    assert.equal(state.peerId, net.leader.node.peerId.toString())
    assert.deepEqual(state.members.map(m => m.peerId), [net.nodes[0]?.peerId.toString()])
    const member = state.members[0]
    assert.ok(member != null && member.position >= 0 && member.position < 1 && member.bucket >= 0)
    assert.deepEqual(state.leader?.pending, [])
  })

  test('a POST on the cookie alone needs the CSRF header and this origin; logout ends the session', async () => {
    const cookie = await session()
    const bare = await send(api, 'POST', '/pending/nope/approve', { cookie })
    assert.equal(bare.status, 403)
    assert.equal(code(bare), 'CSRF_REFUSED')
    assert.equal((await send(api, 'POST', '/pending/nope/approve', { cookie, ...CSRF, origin: 'http://127.0.0.1:1' })).status, 403)
    assert.equal((await send(api, 'POST', '/pending/nope/approve', { cookie, ...CSRF, 'sec-fetch-site': 'same-site' })).status, 403)
    // let through: the leader answers that it has no such request
    const through = await send(api, 'POST', '/pending/nope/approve', { cookie, ...CSRF, origin: `http://127.0.0.1:${api.port}`, 'sec-fetch-site': 'same-origin' })
    assert.equal(through.status, 404, through.text)
    assert.equal((await send(api, 'POST', '/dashboard/logout', { cookie, ...CSRF })).status, 200)
    assert.equal((await send(api, 'GET', '/dashboard/state', { cookie })).status, 401)
  })

  test('the event stream opens with a picture and sends a new one when a member joins', async () => {
    const cookie = await session()
    const pictures: DashboardState[] = []
    const arrived = new EventTarget()
    let buffered = ''
    const stream = request({ host: '127.0.0.1', port: api.port, path: '/dashboard/events', headers: { cookie } })
    const response = new Promise<IncomingMessage>((resolve, reject) => { stream.on('response', resolve).on('error', reject) })
    stream.end()
    const res = await response
    assert.match(String(res.headers['content-type']), /^text\/event-stream/)
    res.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      let end = buffered.indexOf('\n\n')
      while (end !== -1) {
        const event = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (event.startsWith('data: ')) {
          pictures.push(JSON.parse(event.slice(6)) as DashboardState)
          arrived.dispatchEvent(new Event('picture'))
        }
        end = buffered.indexOf('\n\n')
      }
    })
    try {
      await until(() => pictures.length >= 1, [arrived], ['picture'], { timeoutMs: 10_000, what: 'the first picture' })
      assert.equal(pictures[0]?.members.length, 1)
      const joined = await net.addNode()
      await until(() => pictures.some(p => p.members.some(m => m.peerId === joined.peerId.toString())), [arrived], ['picture'], { timeoutMs: 30_000, what: 'a picture with the new member' })
      const first = pictures.find(p => p.members.length === 2)
      assert.equal(first?.totals.joined, 1)
    } finally {
      res.destroy()
    }
  })

  test('`realmesh top` without a terminal prints one frame: the members, the rates, the pending list', async () => {
    const io = new RecordingIo()
    const exit = await runCli(['top', '--api', `127.0.0.1:${api.port}`, '--api-token', api.token], io)
    assert.equal(exit, 0, io.stderr.join('\n'))
    const frame = io.stdout.join('\n')
    assert.match(frame, /^realmesh top {2}leader \.\.\.\S{8} {2}realm \S+ {2}joined/)
    for (const node of net.nodes) assert.match(frame, new RegExp(`\\.\\.\\.${node.peerId.toString().slice(-8)}`))
    assert.match(frame, /^delivered +\d+\.\d\d/m)
    assert.match(frame, /^PENDING/m)
    assert.ok(!frame.includes('\x1b['), 'no escape codes when not on a terminal')
  })
})
