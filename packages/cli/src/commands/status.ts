/** `realmesh status`: a daemon's GET /status, as JSON or a short table. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { formatAge, table, text } from '../format.js'
import { formatMs } from '../duration.js'
import type { Io } from '../io.js'

/** the flags every verb that talks to a daemon takes */
export const TARGET_FLAGS = {
  api: { type: 'string' },
  dir: { type: 'string' },
  'api-token': { type: 'string' },
  json: { type: 'boolean' }
} as const

export async function status (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/status')
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  for (const line of formatStatus(result)) io.out(line)
  return 0
}

export function formatStatus (value: unknown): string[] {
  const s = (value ?? {}) as Record<string, unknown>
  const members = Array.isArray(s.members) ? s.members.map(String) : []
  const listen = Array.isArray(s.listen) ? s.listen.map(String) : []
  const rows: string[][] = [
    ['role', text(s.role)],
    ['version', text(s.version)],
    ['peer id', text(s.peerId)],
    ['realm', `${text(s.realmName)} (${text(s.realm)})`],
    ['joined', s.joined === true ? 'yes' : 'no'],
    ['members', String(members.length)],
    ['routing table', text(s.routingTable)],
    ...sleepRow(s.sleep),
    ...natRows(s.nat),
    ...listen.map((a, i) => [i === 0 ? 'listen' : '', a]),
    ...connectionRows(s.connections),
    ...forwardingRows(s.forwarding, Date.now()),
    ...members.map((m, i) => [i === 0 ? 'member ids' : '', m])
  ]
  return table(rows)
}

/** reachability, what members observe, the relay slot, and relaying for members */
function natRows (value: unknown): string[][] {
  if (value == null || typeof value !== 'object') return []
  const n = value as Record<string, unknown>
  const observed = Array.isArray(n.observed) ? n.observed.map(String) : []
  const relayAddrs = Array.isArray(n.relayAddrs) ? n.relayAddrs.map(String) : []
  const relaying = (n.relaying ?? {}) as Record<string, unknown>
  return [
    ['reachability', `${text(n.reachability)}${observed.length === 0 ? '' : ` (observed at ${observed.join(' ')})`}`],
    ...relayAddrs.map((a, i) => [i === 0 ? 'relay slot' : '', a]),
    ...(relaying.serving === true ? [['relaying', `for ${text(relaying.reservations)} member(s)`]] : [])
  ]
}

/** one line per connection: peer, direct or through which relay or forwarder, admitted or not */
function connectionRows (value: unknown): string[][] {
  const connections = Array.isArray(value) ? value as Array<Record<string, unknown>> : []
  return connections.map((c, i) => {
    const how = c.forwarder != null ? `forwarded via ${text(c.forwarder)}` : c.relayed === true ? `relayed via ${text(c.relay)}` : `direct ${text(c.remoteAddr)}`
    return [i === 0 ? 'connections' : '', `${text(c.peer)} ${c.direction === 'inbound' ? 'in' : 'out'} ${how}${c.admitted === true ? '' : ' (not admitted)'}`]
  })
}

/**
 * This node as a forwarder: nothing while it serves and forwards nothing; `off` when it does not
 * serve; else a heading (streams of the limit, bytes since start) and one line per stream it
 * forwards, at most the limit (maxCircuits, 32 by default).
 */
function forwardingRows (value: unknown, now: number): string[][] {
  if (value == null || typeof value !== 'object') return []
  const f = value as Record<string, unknown>
  if (f.serve === false) return [['forwarding', 'off: this node forwards for no member (forwarding.serve: false)']]
  const circuits = Array.isArray(f.circuits) ? f.circuits as Array<Record<string, unknown>> : []
  if (circuits.length === 0) return []
  const limits = (f.limits ?? {}) as Record<string, unknown>
  const totals = (f.totals ?? {}) as Record<string, unknown>
  return [
    ['forwarding', `${circuits.length} of ${text(limits.maxCircuits)} streams for members (${text(limits.maxCircuitsPerPeer)} per member); ${text(totals.circuits)} streams, ${text(totals.bytes)} bytes since start`],
    ...circuits.map(c => ['', `${text(c.source)} -> ${text(c.target)} ${text(c.bytes)} bytes, for ${typeof c.since === 'number' ? formatAge(now - c.since) : '?'}`])
  ]
}

/** a node with a wake schedule: the schedule, and whether it is awake or asleep until when */
function sleepRow (value: unknown): string[][] {
  if (value == null || typeof value !== 'object') return []
  const s = value as Record<string, unknown>
  const until = typeof s.until === 'number' ? new Date(s.until).toISOString() : '?'
  return [['sleep', `awake ${formatMs(Number(s.awakeMs))} of every ${formatMs(Number(s.periodMs))}${s.onData === true ? ' and on data' : ''}: ${s.awake === true ? 'awake' : 'asleep'} until ${until}`]]
}
