import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { createRealmNode, nextEvent } from '@realmesh/node'
import { createTestnet } from '@realmesh/testnet'
import { ControlApi, statusRoutes, pendingRoutes, callApi } from '../src/index.js'
import { assertDirFree, startDaemonApi } from '../src/daemon/daemon-api.js'
import { readApiFile, writeApiFile } from '../src/api/api-file.js'
import { VERSION } from '../src/version.js'
import { makeRealm, TempDirs } from './helpers.js'
import type { RealmNode } from '@realmesh/node'
import type { PendingQueue } from '../src/index.js'

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: { code?: string, [key: string]: unknown } }

/** a request with full control over headers and body (fetch will not send a foreign Host) */
async function send (api: ControlApi, method: string, path: string, init: { headers?: Record<string, string>, body?: string | Buffer, chunked?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: api.port, method, path, headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text === '' ? {} : JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (init.body != null) req.write(init.body)
    req.end()
  })
}

function bearer (api: ControlApi): Record<string, string> {
  return { authorization: `Bearer ${api.token}` }
}

class FakeQueue implements PendingQueue {
  readonly approved: string[] = []
  readonly denied: Array<{ id: string, reason?: string }> = []
  pending = (): object[] => [{ id: 'req1', kind: 'token', peer: 'p', attributes: {}, requestedAt: '2025-01-01T00:00:00.000Z' }]
  approve = async (id: string): Promise<void> => {
    if (id !== 'req1') throw Object.assign(new Error(`no request ${id}`), { code: 'REQUEST_UNKNOWN' })
    this.approved.push(id)
  }

  deny = async (id: string, reason?: string): Promise<void> => { this.denied.push({ id, reason }) }
  readonly bulk: Array<{ olderThanMs?: number, reason?: string }> = []
  denyPending = async (options: { olderThanMs?: number, reason?: string }): Promise<string[]> => {
    this.bulk.push({ olderThanMs: options.olderThanMs, reason: options.reason })
    return ['req1']
  }
}

describe('control API', () => {
  let node: RealmNode
  let api: ControlApi
  const queue = new FakeQueue()

  before(async () => {
    const { realm, leaderKey, issue } = await makeRealm()
    node = await createRealmNode({ realm, privateKey: leaderKey, nodeToken: await issue(leaderKey), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
    await node.start()
    await node.whenJoined()
    api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('node', node), ...pendingRoutes(queue)] })
  })
  after(async () => {
    await api.stop()
    await node.stop()
  })

  test('GET /status needs the token and is node.status() plus the role and the version', async () => {
    const none = await send(api, 'GET', '/status')
    assert.equal(none.status, 401)
    assert.equal(none.body.code, 'UNAUTHORIZED')
    await assert.rejects(callApi({ url: api.url, token: undefined, source: 'test' }, '/status'), { code: 'API_TOKEN_MISSING' })
    const status = await callApi({ url: api.url, token: api.token, source: 'test' }, '/status')
    assert.deepEqual(status, { role: 'node', version: VERSION, ...node.status() })
    const s = status as { joined: boolean, members: string[], routingTable: number, listen: string[], peerId: string, realm: string }
    assert.equal(s.joined, true)
    assert.deepEqual(s.members, [])
    assert.equal(s.peerId, node.peerId.toString())
    assert.ok(s.listen.length > 0)
  })

  test('GET /health needs no token and says only ok, the role and whether the node joined', async () => {
    const health = await send(api, 'GET', '/health')
    assert.equal(health.status, 200)
    assert.deepEqual(health.body, { ok: true, role: 'node', joined: true })
    // an answer without the token ends its connection: no keep-alive socket without the token
    assert.equal(health.headers.connection, 'close')
    assert.deepEqual(await callApi({ url: api.url, token: undefined, source: 'test' }, '/health', { auth: false }), { ok: true, role: 'node', joined: true })
    // a body sent with it is not read (nobody can hold the answer by trickling one)
    assert.equal((await send(api, 'GET', '/health', { body: '{"x":1}', headers: { 'content-length': '7' } })).status, 200)
  })

  test('GET /members needs the bearer token', async () => {
    const none = await send(api, 'GET', '/members')
    assert.equal(none.status, 401)
    assert.equal(none.body.code, 'UNAUTHORIZED')
    assert.equal(none.headers['www-authenticate'], 'Bearer')
    const wrong = await send(api, 'GET', '/members', { headers: { authorization: 'Bearer not-the-token' } })
    assert.equal(wrong.status, 401)
    const basic = await send(api, 'GET', '/members', { headers: { authorization: `Basic ${api.token}` } })
    assert.equal(basic.status, 401)
    const ok = await send(api, 'GET', '/members', { headers: bearer(api) })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.body, { members: [] })
  })

  test('the client maps a 401 to API_UNAUTHORIZED, and a missing token to API_TOKEN_MISSING', async () => {
    await assert.rejects(callApi({ url: api.url, token: 'wrong', source: 'test' }, '/members'), { code: 'API_UNAUTHORIZED' })
    await assert.rejects(callApi({ url: api.url, token: undefined, source: 'test' }, '/members'), { code: 'API_TOKEN_MISSING' })
  })

  test('malformed JSON is a 400 with a JSON error, and the handler never runs', async () => {
    const bad = await send(api, 'POST', '/pending/req1/deny', { headers: { ...bearer(api), 'content-type': 'application/json' }, body: '{"reason": ' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.code, 'BAD_JSON')
    assert.equal(typeof bad.body.message, 'string')
    const notObject = await send(api, 'POST', '/pending/req1/deny', { headers: bearer(api), body: '[1,2]' })
    assert.equal(notObject.status, 400)
    assert.equal(notObject.body.code, 'BAD_REQUEST')
    const badReason = await send(api, 'POST', '/pending/req1/deny', { headers: bearer(api), body: '{"reason": 42}' })
    assert.equal(badReason.status, 400)
    assert.deepEqual(queue.denied, [])
  })

  test('bodies over 64 KiB are refused with 413', async () => {
    const big = Buffer.alloc(70 * 1024, 0x61)
    const declared = await send(api, 'POST', '/pending/req1/deny', { headers: { ...bearer(api), 'content-length': String(big.length) }, body: big })
    assert.equal(declared.status, 413)
    assert.equal(declared.body.code, 'BODY_TOO_LARGE')
    const chunked = await send(api, 'POST', '/pending/req1/deny', { headers: { ...bearer(api), 'transfer-encoding': 'chunked' }, body: big })
    assert.equal(chunked.status, 413)
  })

  test('unknown paths are 404, wrong methods 405 with Allow', async () => {
    const missing = await send(api, 'GET', '/nope')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'NOT_FOUND')
    const method = await send(api, 'POST', '/status')
    assert.equal(method.status, 405)
    assert.equal(method.body.code, 'METHOD_NOT_ALLOWED')
    assert.equal(method.headers.allow, 'GET')
  })

  test('a request for a non-loopback Host is refused (DNS rebinding)', async () => {
    const res = await send(api, 'GET', '/status', { headers: { host: 'evil.example:80' } })
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'FORBIDDEN_HOST')
    const ok = await send(api, 'GET', '/status', { headers: { ...bearer(api), host: `localhost:${api.port}` } })
    assert.equal(ok.status, 200)
  })

  test('pending: list, approve, deny with a reason; an unknown id is 404 with the leader\'s code', async () => {
    const list = await send(api, 'GET', '/pending', { headers: bearer(api) })
    assert.equal(list.status, 200)
    assert.equal((list.body.pending as unknown[]).length, 1)
    assert.equal((await send(api, 'POST', '/pending/req1/approve', { headers: bearer(api) })).status, 200)
    assert.deepEqual(queue.approved, ['req1'])
    const unknown = await send(api, 'POST', '/pending/zzz/approve', { headers: bearer(api) })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'REQUEST_UNKNOWN')
    assert.equal((await send(api, 'POST', '/pending/req1/deny', { headers: bearer(api), body: '{"reason":"not today"}' })).status, 200)
    assert.deepEqual(queue.denied.at(-1), { id: 'req1', reason: 'not today' })
    assert.equal((await send(api, 'POST', '/pending/%E0%A4%A/approve', { headers: bearer(api) })).status, 404)
  })

  test('pending: a bulk deny says which requests (all, or older than N s), anything else is 400', async () => {
    const all = await send(api, 'POST', '/pending/deny', { headers: bearer(api), body: '{"all":true,"reason":"flood"}' })
    assert.equal(all.status, 200)
    assert.deepEqual(all.body, { denied: ['req1'] })
    const older = await send(api, 'POST', '/pending/deny', { headers: bearer(api), body: '{"olderThanSeconds":3600}' })
    assert.equal(older.status, 200)
    assert.deepEqual(queue.bulk, [{ olderThanMs: 0, reason: 'flood' }, { olderThanMs: 3_600_000, reason: undefined }])
    for (const body of ['', '{}', '{"all":false}', '{"all":true,"olderThanSeconds":5}', '{"olderThanSeconds":0}', '{"olderThanSeconds":1.5}', '{"olderThanSeconds":"1h"}']) {
      const refused = await send(api, 'POST', '/pending/deny', { headers: bearer(api), body })
      assert.equal(refused.status, 400, body)
      assert.equal(refused.body.code, 'BAD_REQUEST', body)
    }
    assert.equal(queue.bulk.length, 2, 'nothing denied by a refused request')
    assert.equal((await send(api, 'POST', '/pending/deny', { body: '{"all":true}' })).status, 401)
  })

  test('garbage on the socket gets a 400 and the server keeps serving', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(api.port, '127.0.0.1', () => { socket.write('\x00\x01\x02 NOT HTTP\r\n\r\n') })
      let text = ''
      socket.on('data', (d: Buffer) => { text += d.toString('latin1') })
      socket.on('close', () => { resolve(text) })
      socket.on('error', reject)
    })
    assert.match(answer, /^HTTP\/1\.1 400/)
    assert.equal((await send(api, 'GET', '/health')).status, 200)
  })

  test('request headers over 8 KiB are refused with 431', async () => {
    const res = await send(api, 'GET', '/status', { headers: { ...bearer(api), 'x-big': 'a'.repeat(9 * 1024) } })
    assert.equal(res.status, 431)
    assert.equal((await send(api, 'GET', '/status', { headers: { ...bearer(api), 'x-big': 'a'.repeat(4 * 1024) } })).status, 200)
  })

  test('refuses to listen on anything but loopback', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      await assert.rejects(ControlApi.start({ host, port: 0, routes: [] }), { code: 'API_NOT_LOOPBACK' }, host)
    }
    const temp = new TempDirs()
    try {
      await assert.rejects(startDaemonApi(await temp.make(), '0.0.0.0:0', []), { code: 'API_NOT_LOOPBACK' })
    } finally {
      await temp.cleanup()
    }
  })

  test('a daemon API writes api.json while it runs, holds the dir, and removes it at stop', async () => {
    const temp = new TempDirs()
    try {
      const dir = await temp.make()
      const daemon = await startDaemonApi(dir, '127.0.0.1:0', statusRoutes('node', node))
      const info = await readApiFile(dir)
      assert.equal(info?.url, daemon.url)
      assert.equal((await callApi({ url: daemon.url, token: info?.token, source: 'test' }, '/members') as { members: unknown[] }).members.length, 0)
      // a second daemon for the same peer is refused while this one answers; another peer's is not
      await assert.rejects(assertDirFree(dir, node.peerId.toString()), { code: 'DIR_IN_USE' })
      await assertDirFree(dir, '12D3KooWKsJyG1H839btNk6JXN9BGbmdQicyUSuhA9mXxaLfbFKj')
      // an api.json whose token the daemon at its url refuses was not written by that daemon
      await writeApiFile(dir, { url: daemon.url, token: 'another-daemons-token' })
      await assertDirFree(dir, node.peerId.toString())
      await daemon.stop()
      // gone (a stale api.json, as SIGKILL leaves, is the same): free again
      await assertDirFree(dir, node.peerId.toString())
      assert.equal(await readApiFile(dir), undefined)
      await assert.rejects(callApi({ url: daemon.url, token: undefined, source: 'test' }, '/health', { auth: false, timeoutMs: 2000 }), { code: 'API_UNREACHABLE' })
    } finally {
      await temp.cleanup()
    }
  })
})

describe('control API with a real leader (manual approval)', () => {
  test('a pending token request is listed, approved through the API, and the node joins', async () => {
    const net = await createTestnet({ size: 0, policy: { mode: 'manual' } })
    const api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: [...statusRoutes('leader', net.leader.node), ...pendingRoutes(net.leader.service)] })
    const target = { url: api.url, token: api.token, source: 'test' }
    try {
      const pendingEvent = new Promise<string>((resolve) => {
        net.leader.service.addEventListener('request:pending', (evt) => { resolve(evt.detail.id) }, { once: true })
      })
      const node = await net.addNode({ nodeToken: undefined, tokenRequest: {} })
      const nodePending = nextEvent<{ requestId: string }>(node, 'token:pending', () => true, { timeoutMs: 30_000 })
      const id = await pendingEvent
      const listed = await callApi(target, '/pending') as { pending: Array<{ id: string, peer: string, kind: string }> }
      assert.deepEqual(listed.pending.map(r => [r.id, r.peer, r.kind]), [[id, node.peerId.toString(), 'token']])
      assert.equal((await nodePending).requestId, id)
      await callApi(target, `/pending/${id}/approve`, { method: 'POST' })
      await node.whenJoined({ signal: AbortSignal.timeout(30_000) })
      const status = await callApi(target, '/status') as { role: string, members: string[] }
      assert.equal(status.role, 'leader')
      assert.deepEqual(status.members, [node.peerId.toString()])
      await assert.rejects(callApi(target, `/pending/${id}/approve`, { method: 'POST' }), (err: { code?: string }) => err.code === 'REQUEST_UNKNOWN' || err.code === 'REQUEST_ALREADY_DECIDED')
    } finally {
      await api.stop()
      await net.stop()
    }
  })

  test('a denied request refuses the node with the leader\'s code', async () => {
    const net = await createTestnet({ size: 0, policy: { mode: 'manual' } })
    const api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: pendingRoutes(net.leader.service) })
    const target = { url: api.url, token: api.token, source: 'test' }
    try {
      const pendingEvent = new Promise<string>((resolve) => {
        net.leader.service.addEventListener('request:pending', (evt) => { resolve(evt.detail.id) }, { once: true })
      })
      const node = await net.addNode({ nodeToken: undefined, tokenRequest: {} })
      const joined = node.whenJoined({ signal: AbortSignal.timeout(30_000) })
      joined.catch(() => {})
      const id = await pendingEvent
      await callApi(target, `/pending/${id}/deny`, { method: 'POST', body: { reason: 'unknown machine' } })
      await assert.rejects(joined, (err: { code?: string }) => err.code === 'TOKEN_REQUEST_DENIED')
    } finally {
      await api.stop()
      await net.stop()
    }
  })
})

/** a socket that sends a request line and the start of a header, and never the rest */
async function slowSocket (port: number): Promise<{ socket: Socket, closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => { /* reset by the server: closed resolves */ })
  // read what comes, so that a close after an answer is seen too
  socket.resume()
  await new Promise<void>((resolve) => { socket.once('connect', resolve) })
  const opened = Date.now()
  socket.write(`GET /status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: a`)
  const closed = new Promise<number>((resolve) => { socket.once('close', () => { resolve(Date.now() - opened) }) })
  return { socket, closed }
}

describe('control API connection limits', () => {
  let node: RealmNode

  before(async () => {
    const { realm, leaderKey, issue } = await makeRealm()
    node = await createRealmNode({ realm, privateKey: leaderKey, nodeToken: await issue(leaderKey), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
    await node.start()
  })
  after(async () => { await node.stop() })

  test('a connection without the token is closed at the header time, not at node\'s next lazy check', async () => {
    const api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: statusRoutes('node', node), limits: { headerTimeoutMs: 300 } })
    try {
      const slow = await slowSocket(api.port)
      const lived = await slow.closed
      assert.ok(lived >= 250 && lived < 800, `closed after ${lived} ms`)
    } finally {
      await api.stop()
    }
  })

  test('at the cap, a new connection closes the oldest one without the token, and the owner is answered', async () => {
    const api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: statusRoutes('node', node), limits: { headerTimeoutMs: 30_000, maxUntrusted: 3 } })
    const slow: Array<Awaited<ReturnType<typeof slowSocket>>> = []
    try {
      // one after the other: the server accepts them in this order
      for (let i = 0; i < 3; i++) slow.push(await slowSocket(api.port))
      slow.push(await slowSocket(api.port))
      // long before its 30 s: pushed out by the fourth
      await slow[0]?.closed
      assert.deepEqual(slow.map(s => s.socket.destroyed), [true, false, false, false])
      // the owner's fresh connection takes the next slot and is answered well within the header time
      const started = Date.now()
      const res = await send(api, 'GET', '/status', { headers: bearer(api) })
      assert.equal(res.status, 200)
      assert.ok(Date.now() - started < 1_000)
    } finally {
      for (const s of slow) s.socket.destroy()
      await api.stop()
    }
  })

  test('connections with the token are counted apart and capped (503 API_BUSY), and stay usable', async () => {
    const api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: statusRoutes('node', node), limits: { maxTrusted: 1 } })
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 })
    const get = async (agent: Agent | false): Promise<{ status: number, code?: string, socket: unknown }> => new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: api.port, path: '/status', agent, headers: bearer(api) }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, code: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: string }).code, socket: req.socket }) })
      })
      req.on('error', reject)
      req.end()
    })
    try {
      const first = await get(keepAlive)
      assert.equal(first.status, 200)
      const busy = await get(false)
      assert.equal(busy.status, 503)
      assert.equal(busy.code, 'API_BUSY')
      // the trusted keep-alive connection goes on working: the same socket answers again
      const again = await get(keepAlive)
      assert.equal(again.status, 200)
      assert.equal(again.socket, first.socket)
    } finally {
      keepAlive.destroy()
      await api.stop()
    }
  })
})
