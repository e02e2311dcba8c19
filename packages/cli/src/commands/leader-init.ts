/**
 * `realmesh leader init`: a new realm (leader key, realm.json, leader.yaml) in DIR. With policy auto
 * and no --join-secret, initLeader generates a long random secret (it says so); a given secret
 * shorter than MIN_JOIN_SECRET_CHARS is taken, with a warning: it could be guessed online.
 */
import { join, resolve } from 'node:path'
import { initLeader, joinSecretWarning } from '@realmesh/leader'
import { parseFlags, required } from '../args.js'
import { CliError, UsageError } from '../errors.js'
import { list, multiaddrString, oneOf } from '../config/schema.js'
import { checkFlag } from './node-start.js'
import type { TokenPolicy } from '@realmesh/leader'
import type { Io } from '../io.js'

export async function leaderInit (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    name: { type: 'string' },
    dir: { type: 'string' },
    policy: { type: 'string' },
    'join-secret': { type: 'string' },
    listen: { type: 'string', multiple: true },
    broadcast: { type: 'boolean' },
    force: { type: 'boolean' }
  })
  const name = required(values.name, '--name')
  const dir = resolve(required(values.dir, '--dir'))
  const policy: Partial<TokenPolicy> = {}
  const mode = checkFlag(values.policy, '--policy', oneOf(['auto', 'manual', 'deny'] as const))
  if (mode != null) policy.mode = mode
  const joinSecret = values['join-secret'] ?? io.env.REALMESH_JOIN_SECRET
  if (joinSecret === '') throw new UsageError('--join-secret: expected a non-empty secret')
  if (joinSecret != null) policy.joinSecret = joinSecret
  const warning = joinSecretWarning(joinSecret)
  if (warning != null) io.err(`warning: ${warning}`)
  const listen = checkFlag(values.listen, '--listen', list(multiaddrString(), { max: 32 }))
  // realm-wide broadcast is the realm's choice, written into realm.json: off unless asked for
  const realmPolicy = values.broadcast === true ? { broadcast: true } : {}
  const result = await initLeader({ dir, name, policy, realmPolicy, listen, overwrite: values.force === true }).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'LEADER_DIR_EXISTS') throw err
    throw new CliError('LEADER_DIR_EXISTS', `${dir} already holds a leader (${join(dir, 'leader.key')}); --force replaces it with a new key, that is a new realm`, { cause: err })
  })
  io.out(`realm id    ${result.realm.id}`)
  io.out(`realm name  ${result.realm.name}`)
  io.out(`leader      ${result.peerId}`)
  io.out(`realm.json  ${join(dir, 'realm.json')}`)
  io.out(`broadcast   ${result.realm.policy.broadcast === true ? 'on' : 'off'}`)
  const secret = result.config.policy.joinSecret
  io.out(`policy      ${result.config.policy.mode}${secret == null ? '' : ` (join secret in ${join(dir, 'leader.yaml')})`}`)
  if (secret != null && joinSecret == null) {
    io.out(`join secret generated: ${secret.length} random characters, policy.joinSecret in ${join(dir, 'leader.yaml')}; give it to nodes (--join-secret, REALMESH_JOIN_SECRET)`)
  }
  return 0
}
