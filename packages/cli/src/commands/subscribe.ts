/**
 * `realmesh subscribe SUBJECT`: the daemon subscribes for as long as this command runs; every
 * message is one line on stdout (`--json`: the message as JSON, else `FROM TEXT`) until SIGINT /
 * SIGTERM (exit 0), the daemon refuses the subscription (its code, exit 1) or goes away
 * (API_STREAM_ENDED, exit 1). `--audience`: who may be matched with it (audience.ts).
 * `--durable NAME`: a subscription the daemon keeps (durable-subscribe.ts). `--threshold`,
 * `--interest-ttl`, `--refresh`, `--max-message-bytes`: the subject's properties (subject-properties.ts).
 */
import { parseFlags } from '../args.js'
import { resolveTarget, streamApi } from '../api/client.js'
import { IDLE_ENV, msFromEnv } from '../api/heartbeat.js'
import { CliError, UsageError } from '../errors.js'
import { shortPeerId } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import { printMessage } from './message-line.js'
import { durableSubscribe } from './durable-subscribe.js'
import { audienceFlag, describeAudience } from '../audience.js'
import { INTEREST_FLAGS, filterFromFlags, interestPropertiesFromFlags } from '../subject-properties.js'
import type { Io } from '../io.js'

export async function subscribe (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, ...INTEREST_FLAGS, filter: { type: 'string', multiple: true }, ack: { type: 'string' }, role: { type: 'string' }, audience: { type: 'string', multiple: true }, durable: { type: 'string' }, 'from-start': { type: 'boolean' } }, 1)
  const subject = positionals[0]
  if (subject == null || subject === '') throw new UsageError('realmesh subscribe SUBJECT: the subject is missing')
  if (values.role != null && values.role !== 'receiver' && values.role !== 'both') throw new UsageError('--role is receiver or both')
  const audience = audienceFlag(values.audience)
  const properties = interestPropertiesFromFlags(values)
  const filter = filterFromFlags(values.filter)
  const idleMs = msFromEnv(io.env, IDLE_ENV)
  if (values.durable != null && (Object.keys(properties).length > 0 || filter != null)) throw new UsageError('--durable takes none of the subject property flags nor --filter: a durable subscription keeps every message of its subject')
  if (values.durable != null) return durableSubscribe({ ...values, subject, name: values.durable, audience, idleMs }, io)
  if (values['from-start'] === true) throw new UsageError('--from-start needs --durable NAME: only a durable subscription has stored messages')
  if (values.ack != null && values.ack !== 'destination' && values.ack !== 'app') throw new UsageError('--ack is destination (the daemon acks what it received) or app (acked once written to this command)')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const stop = io.stopSignal()
  let refused: CliError | undefined
  await streamApi(target, `/subjects/${encodeURIComponent(subject)}/subscribe`, (line) => {
    const value = (line ?? {}) as Record<string, unknown>
    if (value.type === 'subscribed') {
      const coordinators = Array.isArray(value.coordinators) ? value.coordinators.map(String) : []
      io.err(`subscribed to ${subject} (coordinators ${coordinators.map(shortPeerId).join(', ')}; audience ${describeAudience(value.audience)})`)
      return
    }
    if (value.type === 'error') {
      refused = new CliError(String(value.code), String(value.message))
      return
    }
    if (value.type === 'message') printMessage(io, value, values.json === true)
  }, { body: { ack: values.ack, role: values.role, audience, filter, ...properties }, signal: stop, idleMs })
  if (refused != null) throw refused
  if (stop.aborted) return 0
  throw new CliError('API_STREAM_ENDED', `the daemon ended the subscription to ${subject} (did it stop?)`)
}
