/** `realmesh leader pending | approve ID | deny ID | deny --all | deny --older-than D`: the leader daemon's pending requests. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { isoTime, plural, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

export async function leaderPending (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, '/pending') as { pending?: unknown }
  const pending = Array.isArray(result?.pending) ? result.pending as Array<Record<string, unknown>> : []
  if (values.json === true) {
    io.out(JSON.stringify(pending, null, 2))
    return 0
  }
  if (pending.length === 0) {
    io.out('no pending requests')
    return 0
  }
  const rows = [['ID', 'KIND', 'PEER', 'FROM', 'REQUESTED', 'ATTRIBUTES']]
  for (const r of pending) {
    const attrs = Object.entries((r.attributes ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${text(v)}`).join(',')
    rows.push([text(r.id), text(r.kind), text(r.peer), r.address == null ? '-' : text(r.address), isoTime(r.requestedAt), attrs])
  }
  for (const line of table(rows)) io.out(line)
  return 0
}

export async function leaderDecide (decision: 'approve' | 'deny', argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, reason: { type: 'string' }, all: { type: 'boolean' }, 'older-than': { type: 'string' } }, 1)
  const id = positionals[0]
  const bulk = values.all === true || values['older-than'] != null
  if (decision === 'approve' && (values.reason != null || bulk)) throw new UsageError('--reason, --all and --older-than go with deny')
  if (bulk && (id != null || (values.all === true && values['older-than'] != null))) throw new UsageError('deny takes one of: an ID, --all, --older-than DURATION')
  if (!bulk && (id == null || id === '')) throw new UsageError(`realmesh leader ${decision} ID: the request id is missing (see realmesh leader pending)`)
  // checked before anything is asked of the daemon
  const olderThanSeconds = values['older-than'] == null ? undefined : parseDuration(values['older-than'])
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  if (bulk || id == null) {
    const which = olderThanSeconds == null ? { all: true } : { olderThanSeconds }
    const result = await callApi(target, '/pending/deny', { method: 'POST', body: { ...which, ...(values.reason == null ? {} : { reason: values.reason }) } }) as { denied?: unknown }
    const denied = Array.isArray(result?.denied) ? result.denied : []
    if (values.json === true) io.out(JSON.stringify({ denied }))
    else io.out(`denied ${plural(denied.length, 'request')}${olderThanSeconds == null ? '' : ` waiting ${values['older-than'] ?? ''} or longer`}`)
    return 0
  }
  const body = decision === 'deny' && values.reason != null ? { reason: values.reason } : undefined
  const result = await callApi(target, `/pending/${encodeURIComponent(id)}/${decision}`, { method: 'POST', body })
  if (values.json === true) io.out(JSON.stringify(result))
  else io.out(`${decision === 'approve' ? 'approved' : 'denied'} ${id}`)
  return 0
}
