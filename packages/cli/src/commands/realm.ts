/** `realmesh realm`: a daemon's GET /realm (its members' signed summaries), as JSON or a table with one member a row. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { formatAge, shortPeerId, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { RealmSummariesResult } from '@realmesh/node'
import type { Io } from '../io.js'

export async function realm (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/realm') as Partial<RealmSummariesResult>
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  for (const line of formatRealm(result, Date.now())) io.out(line)
  return 0
}

/** one row per member that answered (the daemon's own first), then the members that did not; ages relative to `now` */
export function formatRealm (result: Partial<RealmSummariesResult>, now: number): string[] {
  const rows = [['PEER', 'MEMBERS', 'TABLE', 'SUBJECTS', 'COORD', 'DELIVERED', 'REACHABILITY', 'UP', 'AGE']]
  for (const s of result.summaries ?? []) {
    rows.push([
      shortPeerId(s.peerId),
      text(s.members),
      text(s.routingTable),
      text(s.subjects),
      text(s.coordinating),
      text(s.delivered),
      text(s.reachability),
      formatAge(s.uptimeMs),
      formatAge(Math.max(0, now - s.time))
    ])
  }
  for (const m of result.missing ?? []) rows.push([shortPeerId(m.peerId), `no answer: ${m.code}`, '', '', '', '', '', '', ''])
  return table(rows)
}
