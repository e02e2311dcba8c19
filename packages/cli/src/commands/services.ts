/**
 * `realmesh services`: what the node daemon exposes (name, target, who may open it, open tunnels),
 * the tunnels and forwards open now, and what it can reach: the services members expose to it (it
 * asks up to 64 of them).
 */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { table, text, shortPeerId } from '../format.js'
import { describeAllow } from '../allow-rules.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

interface Listing {
  services?: Array<{ name?: unknown, host?: unknown, port?: unknown, allow?: unknown, tunnels?: unknown }>
  tunnels?: Array<{ id?: unknown, direction?: unknown, peer?: unknown, service?: unknown, sent?: unknown, received?: unknown }>
  forwards?: Array<{ host?: unknown, port?: unknown, peer?: unknown, service?: unknown, tunnels?: unknown }>
  reachable?: Array<{ peer?: unknown, identity?: unknown, services?: unknown }>
}

export async function services (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/tunnels', { timeoutMs: 30_000 }) as Listing
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  const exposed = result.services ?? []
  io.out(exposed.length === 0 ? 'exposes no services' : 'exposes:')
  if (exposed.length > 0) {
    for (const line of table([['NAME', 'TARGET', 'OPEN TO', 'TUNNELS'], ...exposed.map(s => [text(s.name), `${text(s.host)}:${text(s.port)}`, describeAllow(s.allow), text(s.tunnels)])])) io.out(`  ${line}`)
  }
  const reachable = result.reachable ?? []
  io.out(reachable.length === 0 ? 'reaches no services of members' : 'reaches:')
  if (reachable.length > 0) {
    const rows = reachable.map(r => [text(r.peer), r.identity === r.peer ? '-' : shortPeerId(text(r.identity)), Array.isArray(r.services) ? r.services.join(', ') : text(r.services)])
    for (const line of table([['PEER', 'IDENTITY', 'SERVICES'], ...rows])) io.out(`  ${line}`)
  }
  const forwards = result.forwards ?? []
  if (forwards.length > 0) {
    io.out('forwards:')
    for (const line of table([['LISTEN', 'TO', 'TUNNELS'], ...forwards.map(f => [`${text(f.host)}:${text(f.port)}`, `${text(f.service)} on ${shortPeerId(text(f.peer))}`, text(f.tunnels)])])) io.out(`  ${line}`)
  }
  const tunnels = result.tunnels ?? []
  if (tunnels.length > 0) {
    io.out('open tunnels:')
    for (const line of table([['ID', 'DIRECTION', 'PEER', 'SERVICE', 'SENT', 'RECEIVED'], ...tunnels.map(t => [text(t.id), text(t.direction), shortPeerId(text(t.peer)), text(t.service), text(t.sent), text(t.received)])])) io.out(`  ${line}`)
  }
  return 0
}
