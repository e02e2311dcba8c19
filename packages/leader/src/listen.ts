/**
 * The leader's listen addresses across restarts. Members, realm.json and the nodes' copies of it
 * hold the leader's address, so a restart must come back there:
 *
 * - a port 0 (from `leader init`'s default or a `--listen .../tcp/0`) is replaced in leader.yaml by
 *   the port the start bound, and `--listen` given to a start is saved the same way (the last
 *   one wins), so the next start listens where this one did;
 * - when a port leader.yaml names is taken at start, the leader listens on a free port for that
 *   run (leader.yaml keeps its port: the next start tries it again) and the start reports it;
 *   a port given with `--listen` that is taken fails the start instead (the operator chose it).
 */
import { createServer } from 'node:net'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { parseDocument, Scalar } from 'yaml'
import { readTextIfExists, writeFileAtomic } from './files.js'
import { LEADER_FILES } from './issuing.js'
import type { Multiaddr } from '@multiformats/multiaddr'

const PORT_PROTOCOLS = new Set(['tcp', 'udp'])
const WILDCARDS = new Set(['0.0.0.0', '::'])

/** `configured` with every port 0 replaced by the port bound for it (among `bound`, the node's listen addresses) */
export function resolveListen (configured: string[], bound: Multiaddr[]): string[] {
  return configured.map(text => {
    const parts = multiaddr(text).getComponents()
    const index = parts.findIndex(c => PORT_PROTOCOLS.has(c.name) && c.value === '0')
    if (index === -1) return text
    const host = parts[0]?.value ?? ''
    for (const address of bound) {
      const got = address.getComponents().filter(c => c.name !== 'p2p')
      if (got.length !== parts.length || got.some((c, i) => c.name !== parts[i]?.name)) continue
      if (!WILDCARDS.has(host) && got[0]?.value !== host) continue
      const port = got[index]?.value
      if (port != null && port !== '0') return render(parts.map((c, i) => i === index ? { ...c, value: port } : c))
    }
    return text
  })
}

/** whether listening failed because an address was in use (libp2p lists each address's error in its message) */
export function isAddressInUse (err: unknown): boolean {
  return /EADDRINUSE/.test(err instanceof Error ? err.message : String(err))
}

/**
 * `listen` with each TCP port that another process holds on this host replaced by 0 (probed by
 * binding it for a moment); `busy` lists the addresses that were.
 */
export async function withFreePorts (listen: string[]): Promise<{ listen: string[], busy: string[] }> {
  const busy: string[] = []
  const out: string[] = []
  for (const text of listen) {
    const parts = multiaddr(text).getComponents()
    const host = parts[0]
    const tcp = parts[1]
    const inUse = (host?.name === 'ip4' || host?.name === 'ip6') && tcp?.name === 'tcp' && tcp.value !== '0' &&
      await portInUse(host.value ?? '', Number(tcp.value))
    if (inUse) busy.push(text)
    out.push(inUse ? render(parts.map((c, i) => i === 1 ? { ...c, value: '0' } : c)) : text)
  }
  return { listen: out, busy }
}

/** Rewrites leader.yaml's `listen` list, keeping the rest of the file as the operator left it (comments too). */
export async function saveListen (dir: string, listen: string[]): Promise<void> {
  const path = join(dir, LEADER_FILES.config)
  const doc = parseDocument(await readTextIfExists(path) ?? '')
  const list = doc.createNode(listen)
  for (const item of list.items) if (item instanceof Scalar) item.type = Scalar.QUOTE_DOUBLE
  doc.set('listen', list)
  await writeFileAtomic(path, doc.toString(), { mode: 0o600 })
}

async function portInUse (host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code === 'EADDRINUSE') })
    server.listen({ host, port, exclusive: true }, () => { server.close(() => { resolve(false) }) })
  })
}

function render (parts: Array<{ name: string, value?: string }>): string {
  return parts.map(c => c.value == null ? `/${c.name}` : `/${c.name}/${c.value}`).join('')
}
