/**
 * A file of members' addresses (peers.json in a node daemon's data dir, and in a leader's dir):
 * kept while the node runs and given back as `knownPeers` at the next start, so that a restarted
 * node, or a restarted leader, finds the realm again where it was.
 *
 *   { "version": 1, "savedAt": "2025-01-01T00:00:00.000Z", "peers": ["/ip4/.../p2p/12D3KooW..."] }
 */
import { readFile, stat } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { writeFileAtomic } from '@realmesh/token'
import { RealmeshError } from '@realmesh/wire'
import type { RealmNode } from '../realm-node.js'

/** knownPeers() gives 32 members' addresses; keep a little more, but bounded */
export const MAX_SAVED_PEERS = 64
/** 64 addresses are a few KiB */
const MAX_PEERS_BYTES = 256 * 1024
/** how often the file is rewritten while the node runs, ms */
export const SAVE_PEERS_INTERVAL_MS = 30_000
/** a member joined: the file is rewritten this long after (joins in a burst cost one write), ms */
const SAVE_AFTER_JOIN_MS = 2_000

/** peers.json is not what it should be (code PEERS_FILE_INVALID) */
export class PeersFileError extends RealmeshError {
  static override name = 'PeersFileError'

  constructor (message: string) {
    super('PEERS_FILE_INVALID', message)
  }
}

/** Parses peers.json; entries that are not multiaddrs ending in /p2p/<id> are dropped. */
export function parsePeersFile (text: string): string[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new PeersFileError('peers.json is not JSON')
  }
  const peers = (data as { peers?: unknown } | null)?.peers
  if (typeof data !== 'object' || data == null || (data as { version?: unknown }).version !== 1 || !Array.isArray(peers)) {
    throw new PeersFileError('peers.json is not { "version": 1, "peers": [...] }')
  }
  return cleanPeers(peers)
}

export function formatPeersFile (peers: string[], now: number): string {
  return `${JSON.stringify({ version: 1, savedAt: new Date(now).toISOString(), peers: cleanPeers(peers) }, null, 2)}\n`
}

/** valid, distinct, at most MAX_SAVED_PEERS */
export function cleanPeers (peers: unknown[]): string[] {
  const out = new Set<string>()
  for (const entry of peers) {
    if (out.size >= MAX_SAVED_PEERS) break
    if (typeof entry !== 'string' || entry.length > 1024) continue
    try {
      const ma = multiaddr(entry)
      if (ma.getComponents().at(-1)?.name === 'p2p') out.add(ma.toString())
    } catch {
      // not a multiaddr: skip it
    }
  }
  return [...out]
}

/** The addresses saved in `path`; a missing file is none, a damaged one is ignored with the reason (it is only a hint). */
export async function readPeersFile (path: string): Promise<{ peers: string[], error?: string }> {
  try {
    const info = await stat(path)
    if (!info.isFile()) return { peers: [], error: `${path} is not a file` }
    if (info.size > MAX_PEERS_BYTES) return { peers: [], error: `${path} is ${info.size} bytes; at most ${MAX_PEERS_BYTES} expected` }
    return { peers: parsePeersFile(await readFile(path, 'utf8')) }
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { peers: [] }
    return { peers: [], error: (err as Error).message }
  }
}

/** Writes `peers` to `path` atomically (mode 0600: it maps the realm's members). */
export async function writePeersFile (path: string, peers: string[], now = Date.now()): Promise<void> {
  await writeFileAtomic(path, formatPeersFile(peers, now), { mode: 0o600 })
}

export interface KeepPeersFile {
  /** stops the timers and, when the node joined, writes the file a last time */
  stop: () => Promise<void>
}

/**
 * Keeps `path` in step with `node.knownPeers()`: shortly after members join, every 30 s, and at
 * stop. A node with no member writes nothing, so that a restart that has not found its realm yet
 * does not forget where the realm was.
 */
export function keepPeersFile (node: RealmNode, path: string, onError: (err: unknown) => void): KeepPeersFile {
  let soon: ReturnType<typeof setTimeout> | undefined
  const save = async (): Promise<void> => {
    const peers = node.knownPeers()
    if (peers.length > 0) await writePeersFile(path, peers).catch(onError)
  }
  const onJoined = (): void => {
    soon ??= setTimeout(() => {
      soon = undefined
      void save()
    }, SAVE_AFTER_JOIN_MS)
    soon.unref()
  }
  node.addEventListener('peer:joined', onJoined)
  const interval = setInterval(() => { void save() }, SAVE_PEERS_INTERVAL_MS)
  interval.unref()
  return {
    stop: async () => {
      node.removeEventListener('peer:joined', onJoined)
      clearInterval(interval)
      clearTimeout(soon)
      soon = undefined
      if (node.joined) await save()
    }
  }
}
