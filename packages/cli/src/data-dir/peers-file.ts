/**
 * DIR/peers.json: addresses of realm members from the last run, dialled (with the realm's bootstrap
 * addresses) at the next start, so a node can rejoin when the bootstrap addresses are gone.
 *
 *   { "version": 1, "savedAt": "2025-01-01T00:00:00.000Z", "peers": ["/ip4/.../p2p/12D3KooW..."] }
 */
import { multiaddr } from '@multiformats/multiaddr'
import { CliError } from '../errors.js'

/** the node library asks for 32 known peers; keep a little more, but bounded */
export const MAX_SAVED_PEERS = 64

/** Parses peers.json; entries that are not multiaddrs ending in /p2p/<id> are dropped. */
export function parsePeersFile (text: string): string[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new CliError('PEERS_FILE_INVALID', 'peers.json is not JSON')
  }
  const peers = (data as { peers?: unknown } | null)?.peers
  if (typeof data !== 'object' || data == null || (data as { version?: unknown }).version !== 1 || !Array.isArray(peers)) {
    throw new CliError('PEERS_FILE_INVALID', 'peers.json is not { "version": 1, "peers": [...] }')
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
