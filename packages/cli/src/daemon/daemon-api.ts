/**
 * A daemon's control API lifecycle: refuse a data dir another live daemon runs on, listen on the
 * (loopback) address, write DIR/api.json, and undo both at stop.
 */
import { CliError } from '../errors.js'
import { ControlApi } from '../api/server.js'
import { apiFilePath, readApiFile, removeApiFile, writeApiFile } from '../api/api-file.js'
import { callApi } from '../api/client.js'
import { assertLoopback, parseApiAddress } from '../api/address.js'
import { HEARTBEAT_ENV, MAX_HEARTBEAT_MS, msFromEnv } from '../api/heartbeat.js'
import type { Route } from '../api/router.js'
import type { SessionCheck } from '../api/session-auth.js'

export interface DaemonApi {
  url: string
  stop: () => Promise<void>
}

/**
 * Fails with DIR_IN_USE when DIR/api.json names a live daemon with this peer id: two daemons with
 * the same key would fight over one identity. A stale api.json (a daemon killed with SIGKILL) is
 * fine: nobody answers there, or someone else does.
 */
export async function assertDirFree (dir: string, peerId: string): Promise<void> {
  let info
  try {
    info = await readApiFile(dir)
  } catch {
    return
  }
  if (info == null) return
  let status: unknown
  try {
    // with api.json's token: a daemon that refuses it (401) is not the one that wrote the file
    status = await callApi({ ...info, source: apiFilePath(dir) }, '/status', { timeoutMs: 2_000 })
  } catch {
    return
  }
  if ((status as { peerId?: unknown } | undefined)?.peerId === peerId) {
    throw new CliError('DIR_IN_USE', `a daemon for ${peerId} is already running on ${dir} (control API ${info.url}); stop it first`)
  }
}

/** Checks an `--api` value before anything else starts: HOST:PORT on loopback. */
export function checkApiAddress (text: string): { host: string, port: number } {
  const address = parseApiAddress(text)
  assertLoopback(address.host)
  return address
}

/** REALMESH_API_HEARTBEAT_MS: the heartbeat period of the API's streams (heartbeat.ts; tests shorten it). Read before a daemon starts anything */
export function heartbeatFromEnv (env: Record<string, string | undefined>): number | undefined {
  return msFromEnv(env, HEARTBEAT_ENV, MAX_HEARTBEAT_MS)
}

/**
 * Starts the control API on `address` (streams with a heartbeat every `heartbeatMs`; `sessions`:
 * the dashboard's cookies let a browser in too) and writes DIR/api.json.
 */
export async function startDaemonApi (dir: string, address: string, routes: Route[], heartbeatMs?: number, sessions?: SessionCheck): Promise<DaemonApi> {
  const { host, port } = checkApiAddress(address)
  const api = await ControlApi.start({ host, port, routes, heartbeatMs, sessions })
  try {
    await writeApiFile(dir, { url: api.url, token: api.token })
  } catch (err) {
    await api.stop()
    throw err
  }
  return {
    url: api.url,
    stop: async () => {
      await removeApiFile(dir).catch(() => {})
      await api.stop()
    }
  }
}
