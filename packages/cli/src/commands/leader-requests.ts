/** `realmesh leader pending | approve ID | deny ID`: the leader daemon's pending requests. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { UsageError } from '../errors.js'
import { isoTime, table, text } from '../format.js'
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
  const rows = [['ID', 'KIND', 'PEER', 'REQUESTED', 'ATTRIBUTES']]
  for (const r of pending) {
    const attrs = Object.entries((r.attributes ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${text(v)}`).join(',')
    rows.push([text(r.id), text(r.kind), text(r.peer), isoTime(r.requestedAt), attrs])
  }
  for (const line of table(rows)) io.out(line)
  return 0
}

export async function leaderDecide (decision: 'approve' | 'deny', argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, reason: { type: 'string' } }, 1)
  const id = positionals[0]
  if (id == null || id === '') throw new UsageError(`realmesh leader ${decision} ID: the request id is missing (see realmesh leader pending)`)
  if (decision === 'approve' && values.reason != null) throw new UsageError('--reason goes with deny')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const body = decision === 'deny' && values.reason != null ? { reason: values.reason } : undefined
  const result = await callApi(target, `/pending/${encodeURIComponent(id)}/${decision}`, { method: 'POST', body })
  if (values.json === true) io.out(JSON.stringify(result))
  else io.out(`${decision === 'approve' ? 'approved' : 'denied'} ${id}`)
  return 0
}
