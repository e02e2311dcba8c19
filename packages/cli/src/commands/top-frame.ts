/** One frame of `realmesh top`: a DashboardState (GET /dashboard/state) as lines of text. */
import { formatAge, shortPeerId, table } from '../format.js'
import { COUNTERS } from '../dashboard/counters.js'
import type { DashboardState } from '../dashboard/state.js'

const BARS = '▁▂▃▄▅▆▇█'

/** the frame's lines; times relative to `now` */
export function formatTop (s: DashboardState, now: number): string[] {
  const short = (peer: string): string => peer === s.peerId ? `${shortPeerId(peer)}*` : shortPeerId(peer)
  const list = (peers: string[]): string => peers.length === 0 ? '-' : peers.map(short).join(' ')
  const lines = [
    `realmesh top  ${s.role} ${shortPeerId(s.peerId)}  realm ${s.realmName}  ${s.joined ? 'joined' : 'NOT JOINED'}  v${s.version}  ${new Date(s.at).toISOString().slice(11, 19)} UTC`,
    [`members ${s.members.length}`, `routing table ${s.buckets.reduce((n, b) => n + b.peers.length, 0)}`, `subjects ${s.subjects.length}`,
      `coordinating ${s.coordinating.length}`, `bans ${s.bans.length}`, ...(s.leader == null ? [] : [`pending ${s.leader.pending.length}`])].join(' · '),
    '',
    ...table([['RATE /s', 'NOW', '1 MIN', '5 MIN', 'LAST MINUTE'], ...rateRows(s)]),
    '',
    'MEMBERS (* this node)',
    ...table([['PEER', 'POSITION', 'BUCKET', 'ROUTED', 'LATENCY', 'LAST SEEN'], ...s.members.map(m => [
      short(m.peerId), m.position.toFixed(4), String(m.bucket), m.routed ? 'yes' : 'no', m.latencyMs == null ? '-' : `${m.latencyMs} ms`, `${formatAge(now - m.lastSeen)} ago`
    ])]),
    '',
    'K-BUCKETS (bits shared with this node: peers)',
    ...(s.buckets.length === 0 ? ['  (routing table empty)'] : s.buckets.map(b => `  ${String(b.bucket).padStart(3)}: ${list(b.peers)}`)),
    '',
    'SUBJECTS',
    ...(s.subjects.length === 0
      ? ['  (none)']
      : table([['SUBJECT', 'ROLE', 'COORDINATORS', 'COUNTERPARTS'], ...s.subjects.map(x => [x.subject, x.role, list(x.coordinators), x.counterparts.length === 0 ? '-' : x.counterparts.map(c => `${short(c.peer)}(${c.role})`).join(' ')])])),
    ...(s.coordinating.length === 0 ? [] : [`  coordinating ${s.coordinating.length} subject key(s): ${s.coordinating.map(c => `${c.key.slice(0, 8)}…(${c.interests})`).join(' ')}`]),
    '',
    'BANS',
    ...(s.bans.length === 0 ? ['  (none)'] : table([['PEER', 'UNTIL', 'REASON'], ...s.bans.map(b => [short(b.peer), new Date(b.until).toISOString(), b.reason])]))
  ]
  if (s.leader != null) {
    const { pending, revocations, revokedPeers } = s.leader
    lines.push('', 'PENDING (realmesh leader approve ID)',
      ...(pending.length === 0 ? ['  (none)'] : table([['ID', 'PEER', 'KIND', 'WAITING'], ...pending.map(p => [p.id, short(p.peer), p.kind, formatAge(now - Date.parse(p.requestedAt))])])),
      '', 'REVOCATIONS',
      ...(revocations.length + revokedPeers.length === 0
        ? ['  (none)']
        : table([['PEER', 'WHAT', 'SINCE', 'REASON'],
          ...revocations.map(r => [short(r.peer), r.jti === '' ? 'every token' : `token ${r.jti.slice(0, 8)}…`, r.revokedAt, r.reason]),
          ...revokedPeers.map(p => [short(p.peer), 'refused for good', p.revokedAt, p.reason])])))
  }
  const cut = Object.entries(s.truncated)
  if (cut.length > 0) lines.push('', `not shown: ${cut.map(([name, n]) => `${n} ${name}`).join(', ')}`)
  return lines
}

/** per counter: the last interval's rate, the means over 1 and 5 minutes, and a sparkline of the last minute */
function rateRows (s: DashboardState): string[][] {
  const perMinute = Math.max(1, Math.round(60_000 / s.rateIntervalMs))
  return COUNTERS.filter(name => s.rates.series[name] != null).map((name) => {
    const values = s.rates.series[name] ?? []
    const minute = values.slice(-perMinute)
    return [name, rate(values.at(-1) ?? 0), rate(mean(minute)), rate(mean(values)), sparkline(minute)]
  })
}

function mean (values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

function rate (value: number): string {
  return value.toFixed(2)
}

/** one bar per value, scaled to the largest (all lowest bars when everything is 0) */
export function sparkline (values: number[]): string {
  const max = Math.max(0, ...values)
  return values.map(v => BARS[max === 0 ? 0 : Math.min(BARS.length - 1, Math.round(v / max * (BARS.length - 1)))]).join('')
}
