/**
 * `realmesh publish SUBJECT DATA|-`: one message through the daemon's node. Without `--ack` it
 * says how many receivers it went to (or that it waits in the cache); with `--ack` it says on
 * stderr when the daemon accepted it (`accepted ID`, and whether it is in the daemon's outbox,
 * from where it goes out again after a restart), then waits for each receiver's result and exits
 * 0 only when every one was delivered. `--id`: the message id (a retry with the same id is
 * delivered once). `--audience`: who may be matched with the daemon's node as a sender on the
 * subject (audience.ts). `--to PEER`: to that one matched receiver alone (an identity or node). The property flags (`--threshold`, `--retries`, `--cache-size` ...):
 * subject-properties.ts.
 */
import { checkPeerId, parseFlags } from '../args.js'
import { callApi, resolveTarget, streamApi } from '../api/client.js'
import { CliError, UsageError } from '../errors.js'
import { parseDuration } from '../duration.js'
import { plural, shortPeerId } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import { readData } from './data-arg.js'
import { audienceFlag } from '../audience.js'
import { PUBLISH_FLAGS, publishPropertiesFromFlags } from '../subject-properties.js'
import type { ApiTarget } from '../api/client.js'
import type { Io } from '../io.js'

interface Result { id?: string, cached?: boolean, sent?: number, code?: string, results?: Array<{ receiver: string, peer: string, status: string, code?: string }> }

export async function publish (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, ...PUBLISH_FLAGS, ack: { type: 'boolean' }, 'ack-mode': { type: 'string' }, ttl: { type: 'string' }, 'reply-subject': { type: 'string' }, audience: { type: 'string', multiple: true }, id: { type: 'string' }, to: { type: 'string' } }, 2)
  const subject = positionals[0]
  if (subject == null || subject === '') throw new UsageError('realmesh publish SUBJECT DATA: the subject is missing')
  const mode = values['ack-mode']
  if (mode != null && mode !== 'destination' && mode !== 'app') throw new UsageError('--ack-mode is destination or app')
  const ack = mode ?? (values.ack === true ? 'destination' : 'none')
  const ttlMs = values.ttl == null ? undefined : parseDuration(values.ttl) * 1000
  const audience = audienceFlag(values.audience)
  const properties = publishPropertiesFromFlags(values)
  const to = values.to == null ? undefined : checkPeerId(values.to, '--to')
  if (values.id != null && !/^[0-9a-fA-F]{32}$/.test(values.id)) throw new UsageError('--id is 32 hex digits (16 bytes)')
  const data = await readData(positionals[1], io, 'publish')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const path = `/subjects/${encodeURIComponent(subject)}/publish`
  const body = { ...data, ack, ttlMs, replySubject: values['reply-subject'], audience, id: values.id, to, ...properties }
  // with acks the answer comes when every receiver settled: at most the message's TTL
  const result = ack === 'none' ? await callApi(target, path, { method: 'POST', body }) as Result : await acked(target, path, body, (ttlMs ?? 30_000) + 15_000, io)
  if (values.json === true) io.out(JSON.stringify(result))
  if (ack === 'none') {
    if (values.json !== true) io.out(result.cached === true ? `${subject}: no receiver yet, the message waits in the cache (id ${result.id ?? '?'})` : `${subject}: sent to ${plural(result.sent ?? 0, 'receiver')} (id ${result.id ?? '?'})`)
    return 0
  }
  const results = result.results ?? []
  if (values.json !== true) {
    for (const r of results) io.out(`${r.status} ${shortPeerId(r.receiver)}${r.code == null ? '' : ` (${r.code})`}`)
  }
  if (results.length === 0) throw new CliError(result.code ?? 'MESSAGE_EXPIRED', `no receiver was matched on ${subject} before the message ${result.code === 'MESSAGE_PURGED' ? 'was purged from the cache' : 'expired'}`)
  // relayed: the receiver sleeps, and the subject's coordinators hold it for its wake
  const failed = results.filter(r => r.status !== 'delivered' && r.status !== 'relayed')
  if (failed.length > 0) throw new CliError('MESSAGE_NOT_DELIVERED', `${failed.length} of ${plural(results.length, 'receiver')} did not get the message: ${failed.map(r => `${shortPeerId(r.receiver)} ${r.status}${r.code == null ? '' : ` ${r.code}`}`).join(', ')}`)
  return 0
}

/**
 * An acked publish, as the daemon's progress lines: `accepted` once it took the message (said on
 * stderr at once), then the result, at most `timeoutMs` later.
 */
async function acked (target: ApiTarget, path: string, body: object, timeoutMs: number, io: Io): Promise<Result> {
  let accepted: { id: string, stored: boolean } | undefined
  let outcome: { result: Result } | { error: CliError } | undefined
  const timeout = AbortSignal.timeout(timeoutMs)
  const kept = (): string => accepted?.stored === true ? `; message ${accepted.id} is in its outbox and goes out again when it starts` : ''
  await streamApi(target, path, (line) => {
    const { type, ...value } = (line ?? {}) as Record<string, unknown>
    if (type === 'accepted') {
      accepted = { id: String(value.id), stored: value.stored === true }
      io.err(`accepted ${accepted.id}${accepted.stored ? ' (in the daemon\'s outbox: sent again after a restart until every receiver settled it)' : ''}`)
    } else if (type === 'result') {
      outcome = { result: value }
    } else if (type === 'error') {
      outcome = { error: new CliError(String(value.code), String(value.message)) }
    }
  }, { method: 'POST', body: { ...body, progress: true }, signal: timeout }).catch((err: unknown) => {
    // the daemon died (or its connection broke) after it took the message: say what became of it
    if (err instanceof CliError && err.code === 'API_STREAM_ENDED') throw new CliError(err.code, `${err.message}${kept()}`, { cause: err })
    throw err
  })
  if (outcome != null) {
    if ('error' in outcome) throw outcome.error
    return outcome.result
  }
  if (timeout.aborted) throw new CliError('API_TIMEOUT', `no result from the daemon within ${timeoutMs / 1000} s${kept()}`)
  throw new CliError('API_STREAM_ENDED', `the daemon's stream ended before every receiver settled the message${kept()}`)
}
