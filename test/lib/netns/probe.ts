/**
 * Plain TCP between testbed hosts, to check the network itself (the testbed's own tests): a server
 * in a host that answers each connection with the address it came from, and a client that says
 * what it got. Both are node processes started with `ip netns exec`.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { inNamespace } from './commands.js'
import type { Host } from './testbed.js'

const execFileAsync = promisify(execFile)

const SERVER = `
const server = require('node:net').createServer((socket) => { socket.end(socket.remoteAddress.replace(/^::ffff:/, '')) })
server.listen(Number(process.argv[1]), '0.0.0.0', () => { console.log('listening') })`

const CLIENT = `
const [address, port, timeoutMs] = process.argv.slice(1)
const socket = require('node:net').connect({ host: address, port: Number(port), timeout: Number(timeoutMs) })
let reply = ''
socket.on('data', (chunk) => { reply += chunk })
socket.on('end', () => { console.log('reply ' + reply) })
socket.on('timeout', () => { console.log('timeout'); socket.destroy() })
socket.on('error', (err) => { console.log('error ' + err.code) })`

/** a server on `port` in `host`; resolves once it listens, with its end and a function that stops it */
export async function echoAddress (host: Host, port: number): Promise<{ exited: Promise<unknown>, stop: () => Promise<void> }> {
  const { command, args } = inNamespace(host.ns, process.execPath, ['-e', SERVER, String(port)])
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const [line] = await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => ['exited'])]) as [string]
  if (line !== 'listening') throw new Error(`the probe server in ${host.name} did not start`)
  const exited = once(child, 'exit')
  return {
    exited,
    stop: async () => {
      child.kill('SIGKILL')
      await exited
    }
  }
}

/**
 * Connects from `host` to `address:port`: `reply ADDRESS` (the address the server saw),
 * `timeout` (nothing came back within `timeoutMs`) or `error CODE` (ECONNREFUSED, EHOSTUNREACH, ...).
 */
export async function tcpProbe (host: Host, address: string, port: number, timeoutMs = 1_000): Promise<string> {
  const { command, args } = inNamespace(host.ns, process.execPath, ['-e', CLIENT, address, String(port), String(timeoutMs)])
  const { stdout } = await execFileAsync(command, args, { timeout: timeoutMs + 10_000 })
  return stdout.trim()
}
