/**
 * `realmesh tunnel PEER_OR_IDENTITY NAME [--listen 127.0.0.1:PORT]`: like `ssh -L`. The node
 * daemon listens on --listen and carries every connection to it as a tunnel to the service NAME of
 * that member; the listener lives as long as this command (until SIGINT / SIGTERM, exit 0). A
 * refusal (the member's rules, an unknown service) ends it at once with its code (exit 1); a
 * refused or ended connection is one line on stderr (`--json`: every event as JSON on stdout).
 */
import { parseFlags } from '../args.js'
import { resolveTarget, streamApi } from '../api/client.js'
import { IDLE_ENV, msFromEnv } from '../api/heartbeat.js'
import { isLoopbackHost, parseHostPort } from '../api/address.js'
import { CliError, UsageError } from '../errors.js'
import { shortPeerId, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

export async function tunnel (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, listen: { type: 'string' } }, 2)
  const [peer, service] = positionals
  if (peer == null || peer === '') throw new UsageError('realmesh tunnel PEER_OR_IDENTITY NAME: the member is missing')
  if (service == null || service === '') throw new UsageError('realmesh tunnel PEER_OR_IDENTITY NAME: the service name is missing')
  const listen = parseHostPort(values.listen ?? '127.0.0.1:0')
  if (listen == null) throw new UsageError(`--listen: expected HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(values.listen)}`)
  if (!isLoopbackHost(listen.host)) io.err(`warning: listening on ${listen.host}: whoever reaches it there reaches ${service} as this node`)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const stop = io.stopSignal()
  const json = values.json === true
  let failed: CliError | undefined
  let listening = false
  await streamApi(target, '/tunnels/forward', (line) => {
    const event = (line ?? {}) as Record<string, unknown>
    if (event.type === 'error') {
      failed = new CliError(text(event.code), text(event.message))
      return
    }
    if (json) {
      io.out(JSON.stringify(event))
      if (event.type !== 'listening') return
    }
    switch (event.type) {
      case 'listening':
        listening = true
        io.err(`tunnel to ${service} on ${shortPeerId(peer)}: listening on ${text(event.host)}:${text(event.port)} (Ctrl-C to stop)`)
        break
      case 'refused':
        io.err(`connection refused: ${text(event.code)} (${text(event.message)})`)
        break
      case 'closed':
        io.err(`connection ${text(event.id)} closed (${text(event.end)}${event.code == null ? '' : ` ${text(event.code)}`}): ${text(event.sent)} bytes sent, ${text(event.received)} received`)
        break
    }
  }, { body: { target: peer, service, host: listen.host, port: listen.port }, signal: stop, idleMs: msFromEnv(io.env, IDLE_ENV) })
  if (failed != null) throw failed
  if (stop.aborted) return 0
  throw new CliError('API_STREAM_ENDED', `the daemon closed the tunnel listener${listening ? '' : ' before it listened'} (did it stop?)`)
}
