/**
 * Tunnels end to end, every node a `realmesh` daemon of its own: N1 exposes a TCP echo service
 * (run by this test) to N3 only; `realmesh tunnel` on N3 opens a local port carried to it. 10 MiB
 * go through each of 8 connections at once and come back byte-exact (sha256 compared); N2 is
 * refused TUNNEL_NOT_ALLOWED; a FIN from either end closes the other's side, and stopping the
 * tunnel command closes its connections at both ends; an idle tunnel is closed after node.yaml's
 * tunnels.idleTimeoutMs. Every wait is on a process's output or a socket's event.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import { client, sendAndEnd, startEcho } from '../lib/tcp-echo.js'
import type { EchoService } from '../lib/tcp-echo.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 90_000
const MIB = 1024 * 1024
/** the daemons close a tunnel with no byte either way for this long */
const IDLE_MS = 2_000

describe('tunnels across OS processes', { timeout: 600_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let ids: Map<string, string>
  let daemons: Map<string, CliProcess>
  let echo: EchoService
  let tunnel: CliProcess
  let port: number

  step('1. a leader and 3 nodes join; N1 exposes an echo service to N3 only', async () => {
    const config = join(e2e.root, 'tunnel-node.yaml')
    await writeFile(config, `connections:\n  inboundConnectionThreshold: 1000\ntunnels:\n  idleTimeoutMs: ${IDLE_MS}\n`)
    ;({ ids, daemons } = await startRealm(e2e, { name: 'tunnels', secret: 's3cret-tunnels', nodes: ['N1', 'N2', 'N3'], stepMs: STEP_MS, config }))
    echo = await startEcho()
    const out = await e2e.procs.ok('expose', ['expose', 'echo', `127.0.0.1:${echo.port}`, '--allow-peer', ids.get('N3') ?? '', '--dir', dir('N1')])
    assert.equal(out.trim(), `exposed echo -> 127.0.0.1:${echo.port}, open to peer ${ids.get('N3') ?? ''}`)
    // what each can reach: N3 sees echo on N1, N2 sees nothing
    const reach = async (name: string): Promise<unknown> => (JSON.parse(await e2e.procs.ok(`services ${name}`, ['services', '--dir', dir(name), '--json'])) as { reachable: unknown }).reachable
    assert.deepEqual(await reach('N3'), [{ peer: ids.get('N1'), identity: ids.get('N1'), services: ['echo'] }])
    assert.deepEqual(await reach('N2'), [])
  })

  step('2. N2 is refused TUNNEL_NOT_ALLOWED at once; N1 says so', async () => {
    const refused = await e2e.procs.run('tunnel N2', ['tunnel', ids.get('N1') ?? '', 'echo', '--dir', dir('N2')], STEP_MS)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^error TUNNEL_NOT_ALLOWED: /m)
    await daemons.get('N1')?.waitForLine(/^tunnel to echo refused to \.\.\.\S+: TUNNEL_NOT_ALLOWED$/, STEP_MS)
    // a daemon line like any other: through the logger, with its time and level
    assert.ok(daemons.get('N1')?.rawStderr.some(l => /^\S+Z WARN +tunnel to echo refused to /.test(l)), daemons.get('N1')?.rawStderr.join('\n'))
  })

  step('3. a tunnel from N3: 8 connections at once, 10 MiB each way through each, byte-exact', async () => {
    tunnel = e2e.procs.start('tunnel', ['tunnel', ids.get('N1') ?? '', 'echo', '--listen', '127.0.0.1:0', '--dir', dir('N3')])
    port = Number((await tunnel.waitForLine(/listening on 127\.0\.0\.1:(\d+) /, STEP_MS))[1])
    const started = Date.now()
    const runs = await Promise.all(Array.from({ length: 8 }, async () => {
      const c = client(port)
      const sent = await sendAndEnd(c.socket, 10 * MIB)
      return { sent, echoed: await c.ended }
    }))
    const seconds = (Date.now() - started) / 1000
    for (const { sent, echoed } of runs) assert.deepEqual(echoed, { bytes: 10 * MIB, sha256: sent, end: 'fin' })
    console.log(`# 8 x 10 MiB echoed through the tunnel (160 MiB through it in all) in ${seconds.toFixed(1)} s: ${(160 / seconds).toFixed(0)} MiB/s`)
  })

  step('4. a FIN from either end closes that side at the other; stopping the tunnel command closes its connections at both ends', async () => {
    // the service ends first: the client sees FIN, and may still send (the service gets it)
    const c = client(port)
    c.socket.write('x')
    await new Promise<void>((resolve) => { c.socket.once('data', () => { resolve() }) })
    const service = echo.sockets.at(-1)
    assert.ok(service != null)
    service.unpipe(service)
    const got: Buffer[] = []
    service.on('data', (chunk: Buffer) => got.push(chunk)).resume()
    const serviceGotFin = new Promise<void>((resolve) => { service.once('end', () => { resolve() }) })
    service.end()
    await new Promise<void>((resolve) => { c.socket.once('end', () => { resolve() }) })
    c.socket.end('after FIN')
    await serviceGotFin
    assert.equal(Buffer.concat(got).toString(), 'after FIN')
    assert.equal((await c.ended).end, 'fin')
    // SIGINT to the tunnel command: its listener and the open connection close at both ends
    const open = client(port)
    open.socket.write('y')
    await new Promise<void>((resolve) => { open.socket.once('data', () => { resolve() }) })
    const held = echo.sockets.at(-1)
    assert.ok(held != null)
    const heldClosed = new Promise<void>((resolve) => { held.once('close', () => { resolve() }) })
    tunnel.kill('SIGINT')
    assert.equal((await tunnel.waitForExit(STEP_MS)).code, 0)
    assert.equal((await open.ended).end, 'error', 'the client is reset, not ended as if complete')
    await heldClosed
  })

  step(`5. an idle tunnel is closed at both ends after ${IDLE_MS} ms`, async () => {
    tunnel = e2e.procs.start('tunnel 2', ['tunnel', ids.get('N1') ?? '', 'echo', '--dir', dir('N3')])
    port = Number((await tunnel.waitForLine(/listening on 127\.0\.0\.1:(\d+) /, STEP_MS))[1])
    const c = client(port)
    c.socket.write('z')
    const opened = Date.now()
    const ended = await c.ended
    assert.equal(ended.bytes, 1)
    assert.ok(Date.now() - opened >= IDLE_MS - 100, `closed after ${Date.now() - opened} ms`)
    await daemons.get('N1')?.waitForLine(/^tunnel \d+ closed \((idle TUNNEL_IDLE|reset \S+)\)/, STEP_MS)
    await tunnel.waitForLine(/^connection \d+ closed \((idle TUNNEL_IDLE|reset \S+)\)/, STEP_MS)
    tunnel.kill('SIGINT')
    await tunnel.waitForExit(STEP_MS)
    await echo.close()
  })
})
