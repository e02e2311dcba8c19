/** `realmesh subjects`: the daemon's subjects, their audiences, coordinators and matched counterparts. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { shortPeerId, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import { describeAudience } from '../audience.js'
import type { Io } from '../io.js'

export async function subjects (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/subjects') as { subjects?: Array<Record<string, unknown>> }
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  const list = result.subjects ?? []
  if (list.length === 0) {
    io.out('no subjects')
    return 0
  }
  const rows = [['SUBJECT', 'ROLE', 'AUDIENCE', 'COORDINATORS', 'MATCHED']]
  for (const s of list) {
    const coordinators = Array.isArray(s.coordinators) ? s.coordinators.map(c => shortPeerId(String(c))).join(',') : ''
    const matched = Array.isArray(s.counterparts) ? s.counterparts.map(c => `${shortPeerId(String((c as { peer?: unknown }).peer))}(${String((c as { role?: unknown }).role)})`).join(',') : ''
    rows.push([text(s.subject), text(s.role), describeAudience(s.audience), coordinators, matched])
  }
  for (const line of table(rows)) io.out(line)
  return 0
}
