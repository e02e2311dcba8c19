/**
 * `realmesh subscriptions`: the daemon's durable subscriptions: subject, what each stores (count,
 * bytes, the oldest), what its bounds dropped (by cause) and whether a consumer is attached.
 */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { formatAge, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

interface Durable { name?: unknown, subject?: unknown, stored?: unknown, pending?: unknown, bytes?: unknown, oldest?: unknown, dropped?: Record<string, unknown>, attached?: unknown, registered?: unknown, error?: unknown }

export async function subscriptions (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/durable') as { subscriptions?: Durable[] }
  if (values.json === true) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  const list = result.subscriptions ?? []
  if (list.length === 0) {
    io.out('no durable subscriptions')
    return 0
  }
  const rows = [['NAME', 'SUBJECT', 'STORED', 'PENDING', 'BYTES', 'OLDEST', 'DROPPED', 'CONSUMER']]
  for (const s of list) {
    const drops = Object.entries(s.dropped ?? {}).filter(([, n]) => typeof n === 'number' && n > 0).map(([cause, n]) => `${String(n)} ${cause}`)
    const oldest = typeof s.oldest === 'number' ? `${formatAge(Date.now() - s.oldest)} ago` : '-'
    const consumer = s.attached === true ? 'attached' : s.registered === true ? 'none' : `none (not registered: ${text(s.error)})`
    rows.push([text(s.name), text(s.subject), text(s.stored), text(s.pending), text(s.bytes), oldest, drops.length === 0 ? '-' : drops.join(', '), consumer])
  }
  for (const line of table(rows)) io.out(line)
  return 0
}
