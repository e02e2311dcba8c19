/**
 * DIR/api.json: where a running daemon's control API listens and the bearer token it wants
 * (mode 0600: whoever can read it may approve members). Written at start, removed at stop; a
 * daemon killed with SIGKILL leaves it behind, and the next start replaces it.
 *
 *   { "url": "http://127.0.0.1:39123", "token": "3q2+7w..." }
 */
import { join } from 'node:path'
import { readTextFile, removeFile, writeFileAtomic } from '../data-dir/files.js'
import { CliError } from '../errors.js'
import { isLoopbackHost } from './address.js'

export const API_FILE = 'api.json'

export interface ApiInfo {
  url: string
  token: string
}

export function apiFilePath (dir: string): string {
  return join(dir, API_FILE)
}

export async function writeApiFile (dir: string, info: ApiInfo): Promise<void> {
  await writeFileAtomic(apiFilePath(dir), `${JSON.stringify({ url: info.url, token: info.token }, null, 2)}\n`, { mode: 0o600 })
}

export async function removeApiFile (dir: string): Promise<void> {
  await removeFile(apiFilePath(dir))
}

/** Reads DIR/api.json; undefined when there is none (no daemon runs on DIR). */
export async function readApiFile (dir: string): Promise<ApiInfo | undefined> {
  const path = apiFilePath(dir)
  const text = await readTextFile(path, 4096)
  if (text == null) return undefined
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new CliError('API_FILE_INVALID', `${path} is not JSON`)
  }
  const { url, token } = (data ?? {}) as { url?: unknown, token?: unknown }
  if (typeof url !== 'string' || typeof token !== 'string' || token === '' || !isLoopbackUrl(url)) {
    throw new CliError('API_FILE_INVALID', `${path} is not { "url": "http://127.0.0.1:PORT", "token": "..." }`)
  }
  return { url, token }
}

function isLoopbackUrl (text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))
  } catch {
    return false
  }
}
