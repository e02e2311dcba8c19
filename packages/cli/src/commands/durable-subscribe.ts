/**
 * `realmesh subscribe SUBJECT --durable NAME`: attaches to (or creates) the durable subscription
 * NAME the daemon keeps across this command's exit and its own restarts. It prints what the
 * subscription stored and this consumer has not consumed, in order, then live messages, one line
 * each (`--from-start`: everything it keeps). Without `--ack` a message is consumed once the
 * daemon wrote its line to this command; with `--ack app` once this command wrote it to stdout and
 * acked it (in batches), so a command killed in between gets it again next time. SIGINT / SIGTERM
 * detaches (exit 0); the subscription goes on. Another command attaching takes over: this one
 * ends with DURABLE_DETACHED (exit 1).
 */
import { callApi, resolveTarget, streamApi } from '../api/client.js'
import { CliError, UsageError, codeOf, messageOf } from '../errors.js'
import { shortPeerId } from '../format.js'
import { describeAudience } from '../audience.js'
import { printMessage } from './message-line.js'
import { AckBatch } from './ack-batch.js'
import type { Audience } from '@realmesh/token'
import type { Io } from '../io.js'

export interface DurableSubscribeOptions {
  subject: string
  name: string
  ack?: string
  role?: string
  audience?: Audience
  'from-start'?: boolean
  json?: boolean
  api?: string
  dir?: string
  'api-token'?: string
  idleMs?: number
}

export async function durableSubscribe (options: DurableSubscribeOptions, io: Io): Promise<number> {
  const { subject, name } = options
  if (options.ack != null && options.ack !== 'app') throw new UsageError('with --durable, --ack is app (a message is consumed once this command wrote its line and acked it); without --ack, once the daemon wrote it to this command')
  const target = await resolveTarget({ api: options.api, dir: options.dir, apiToken: options['api-token'], env: io.env })
  const stop = io.stopSignal()
  const path = `/durable/${encodeURIComponent(name)}`
  let consumer: unknown
  let refused: CliError | undefined
  const acks = options.ack === 'app'
    ? new AckBatch(
      async (seqs) => { await callApi(target, `${path}/ack`, { method: 'POST', body: { consumer, seqs } }) },
      (err) => { io.err(`warning: acking to the daemon failed (${codeOf(err)}: ${messageOf(err)}); it sends those messages again at the next attach`) })
    : undefined
  try {
    await streamApi(target, `${path}/subscribe`, (line) => {
      const value = (line ?? {}) as Record<string, unknown>
      if (value.type === 'subscribed') {
        consumer = value.consumer
        const coordinators = Array.isArray(value.coordinators) ? value.coordinators.map(String) : []
        // a subscription from the store whose interest is not registered yet (the daemon retries) stores nothing meanwhile
        const waiting = value.registered === false ? `; not registered yet, retrying: ${typeof value.error === 'string' ? value.error : 'the node has not joined'}` : ''
        io.err(`subscribed to ${subject} as durable ${name}: ${String(value.stored)} stored, ${String(value.pending)} not consumed (coordinators ${coordinators.map(shortPeerId).join(', ')}; audience ${describeAudience(value.audience)}${waiting})`)
        return
      }
      if (value.type === 'error') {
        refused = new CliError(String(value.code), String(value.message))
        return
      }
      if (value.type !== 'message') return
      printMessage(io, value, options.json === true)
      // stdout is written synchronously (a file, a pipe on Linux, a terminal): the line is out
      acks?.add(Number(value.seq))
    }, { body: { subject, ack: options.ack === 'app' ? 'app' : 'auto', fromStart: options['from-start'] === true, role: options.role, audience: options.audience }, signal: stop, idleMs: options.idleMs })
  } finally {
    await acks?.flush()
  }
  if (refused != null) throw refused
  if (stop.aborted) return 0
  throw new CliError('API_STREAM_ENDED', `the daemon ended the attachment to durable subscription ${name} (did it stop?); the subscription goes on`)
}
