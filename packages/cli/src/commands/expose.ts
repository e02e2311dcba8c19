/**
 * `realmesh expose NAME HOST:PORT [--allow ATTR=VALUE]... [--allow-peer PEER]...`: the node daemon
 * exposes a local TCP service to members (every member without a rule; with rules, a member any one
 * of them admits). Exposing a name again replaces its definition, and resets the open tunnels whose
 * member the new rules do not admit. `realmesh unexpose NAME` stops it and closes its tunnels.
 */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { parseHostPort } from '../api/address.js'
import { UsageError } from '../errors.js'
import { allowRules, describeAllow } from '../allow-rules.js'
import { plural } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

export async function expose (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, allow: { type: 'string', multiple: true }, 'allow-peer': { type: 'string', multiple: true } }, 2)
  const [name, hostPort] = positionals
  if (name == null || name === '') throw new UsageError('realmesh expose NAME HOST:PORT: the service name is missing')
  if (hostPort == null) throw new UsageError('realmesh expose NAME HOST:PORT: the service\'s HOST:PORT is missing')
  const address = parseHostPort(hostPort)
  if (address == null || address.port === 0) throw new UsageError(`HOST:PORT: expected the service's address (e.g. 127.0.0.1:8080), got ${JSON.stringify(hostPort)}`)
  const allow = allowRules(values.allow, values['allow-peer'])
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, `/tunnels/services/${encodeURIComponent(name)}`, { method: 'POST', body: { host: address.host, port: address.port, allow } }) as { replaced?: boolean, closed?: number }
  const closed = typeof result.closed === 'number' && result.closed > 0 ? `; closed ${plural(result.closed, 'open tunnel')} the new rules do not admit` : ''
  if (values.json === true) io.out(JSON.stringify(result))
  else io.out(`${result.replaced === true ? 'updated' : 'exposed'} ${name} -> ${hostPort}, open to ${describeAllow(allow)}${closed}`)
  return 0
}

export async function unexpose (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, TARGET_FLAGS, 1)
  const name = positionals[0]
  if (name == null || name === '') throw new UsageError('realmesh unexpose NAME: the service name is missing')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, `/tunnels/services/${encodeURIComponent(name)}/unexpose`, { method: 'POST' })
  io.out(values.json === true ? JSON.stringify(result) : `unexposed ${name} (its tunnels are closed)`)
  return 0
}
