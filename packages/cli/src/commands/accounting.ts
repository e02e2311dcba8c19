/**
 * `realmesh accounting --dir DIR [--since DUR|TIME] [--json]`: what DIR's daemon (node or leader)
 * wrote to its accounting log, oldest first, read from the files (the daemon need not run).
 * `--since 10m` (a duration back from now) or an ISO time keeps what came after it. Text: one line
 * per record and a total per direction; `--json`: one JSON document per line, as stored.
 */
import { parseFlags, required } from '../args.js'
import { UsageError } from '../errors.js'
import { parseDuration } from '../duration.js'
import { shortPeerId, table, text } from '../format.js'
import { readAccounting } from '../daemon/accounting-log.js'
import type { Io } from '../io.js'

export async function accounting (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { dir: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } })
  const dir = required(values.dir, '--dir')
  const since = values.since == null ? undefined : sinceOf(values.since)
  const records = (await readAccounting(dir)).filter(r => since == null || (typeof r.at === 'number' && r.at >= since))
  if (values.json === true) {
    for (const record of records) io.out(JSON.stringify(record))
    return 0
  }
  if (records.length === 0) {
    io.out('no exchanges')
    return 0
  }
  const rows = [['TIME', 'KIND', 'DIRECTION', 'SUBJECT', 'COUNTERPART', 'BYTES', 'RESULT']]
  const totals = new Map<string, { messages: number, bytes: number }>()
  for (const r of records) {
    const at = typeof r.at === 'number' ? new Date(r.at).toISOString() : '?'
    if (r.kind === 'authorize') {
      rows.push([at, 'authorize', [r.send === true ? 'send' : '', r.receive === true ? 'receive' : ''].filter(Boolean).join('+'), text(r.subject), shortPeerId(String(r.identity)), '', typeof r.code === 'string' ? r.code : 'allowed'])
      continue
    }
    rows.push([at, 'message', text(r.direction), text(r.subject), shortPeerId(String(r.identity)), String(r.bytes), ''])
    const total = totals.get(String(r.direction)) ?? { messages: 0, bytes: 0 }
    total.messages += typeof r.messages === 'number' ? r.messages : 0
    total.bytes += typeof r.bytes === 'number' ? r.bytes : 0
    totals.set(String(r.direction), total)
  }
  for (const line of table(rows)) io.out(line)
  for (const [direction, total] of totals) io.out(`${direction}: ${total.messages} messages, ${total.bytes} bytes`)
  return 0
}

/** `--since`: a duration back from now, or a time Date.parse reads (ISO 8601) */
function sinceOf (value: string): number {
  if (/^\d+[smhd]?$/.test(value.trim())) return Date.now() - parseDuration(value) * 1000
  const at = Date.parse(value)
  if (Number.isNaN(at)) throw new UsageError(`--since is a duration (10m, 2h, 7d) or a time (2026-12-06T12:00:00Z), got ${JSON.stringify(value.slice(0, 40))}`)
  return at
}
