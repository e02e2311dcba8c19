/** `realmesh members`: a daemon's GET /members, as JSON or a table with one member a row. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { formatAge, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { MemberView } from '../api/routes/status.js'
import type { Io } from '../io.js'

export async function members (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/members') as { members?: Array<Partial<MemberView>> }
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  const list = result.members ?? []
  if (list.length === 0) {
    io.out('no members')
    return 0
  }
  for (const line of formatMembers(list, Date.now())) io.out(line)
  return 0
}

/** one row per member; times relative to `now` (the JSON has them as ISO text) */
export function formatMembers (list: Array<Partial<MemberView>>, now: number): string[] {
  const rows = [['PEER', 'ADDRESS', 'SINCE', 'LAST SEEN', 'LATENCY', 'TOKEN EXPIRES']]
  for (const m of list) {
    const expires = Date.parse(m.expiresAt ?? '')
    rows.push([
      text(m.peerId),
      m.addrs?.[0] ?? '-',
      since(m.joinedAt, now),
      since(m.lastSeen, now),
      m.latencyMs == null ? '-' : `${m.latencyMs} ms`,
      Number.isNaN(expires) ? '?' : expires <= now ? 'expired' : `in ${formatAge(expires - now)}`
    ])
  }
  return table(rows)
}

function since (iso: string | undefined, now: number): string {
  const at = Date.parse(iso ?? '')
  return Number.isNaN(at) ? '?' : `${formatAge(now - at)} ago`
}
