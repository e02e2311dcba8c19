/**
 * `HOST:PORT` for the control API (`127.0.0.1:0`, `localhost:7070`, `[::1]:7070`), and the
 * loopback rule: the control API never listens beyond this machine.
 */
import { isIP } from 'node:net'
import { CliError, UsageError } from '../errors.js'

export interface ApiAddress {
  /** without brackets: `127.0.0.1`, `::1`, `localhost` */
  host: string
  /** 0 = an ephemeral port */
  port: number
}

export const DEFAULT_API_ADDRESS = '127.0.0.1:0'

/** Parses `HOST:PORT`; undefined when it is not one. */
export function parseHostPort (text: string): ApiAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text)
  if (match == null) return undefined
  const host = match[1] ?? match[2] ?? ''
  const port = Number(match[3])
  if (port > 65_535) return undefined
  if (match[1] != null && isIP(host) !== 6) return undefined
  return { host, port }
}

/** `localhost`, 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z) */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return isIP(v4) === 4 && v4.startsWith('127.')
}

/** Parses a `--api` value; UsageError API_ADDRESS_INVALID when it is not HOST:PORT. */
export function parseApiAddress (text: string): ApiAddress {
  const address = parseHostPort(text)
  if (address == null) throw new UsageError(`--api: expected HOST:PORT (e.g. 127.0.0.1:7070), got ${JSON.stringify(text)}`, 'API_ADDRESS_INVALID')
  return address
}

/** Throws API_NOT_LOOPBACK unless `host` is a loopback address. */
export function assertLoopback (host: string): void {
  if (!isLoopbackHost(host)) {
    throw new CliError('API_NOT_LOOPBACK', `the control API listens on loopback only (127.0.0.1, ::1, localhost), not on ${host}: it can approve members of the realm`)
  }
}

/** `http://HOST:PORT` with IPv6 hosts bracketed */
export function formatUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
