/**
 * The realm descriptor and the node token a node daemon starts with: from the flags on a first
 * start (copied into the data dir), from the data dir afterwards.
 */
import { TokenError, decodeTokenUnverified, verifyNodeToken } from '@realmesh/token'
import { CliError, UsageError } from '../errors.js'
import { readRealmFile, readTokenFile } from '../data-dir/node-dir.js'
import type { RealmDescriptor } from '@realmesh/token'
import type { Revocations } from '@realmesh/node'
import type { NodeDataDir } from '../data-dir/node-dir.js'
import type { Logger } from '../log/logger.js'

/** a saved token that expires sooner than this is not worth presenting */
const MIN_REMAINING_SECONDS = 60

/**
 * `--realm FILE` when given (saved to DIR/realm.json: a newer copy of the same realm replaces the
 * old one, another realm is REALM_MISMATCH), else the realm of `--invitation` (saved likewise), else
 * DIR/realm.json, else REALM_REQUIRED.
 */
export async function prepareRealm (dir: NodeDataDir, realmFile: string | undefined, log: Logger, invited?: RealmDescriptor): Promise<RealmDescriptor> {
  const saved = await dir.readRealm()
  if (realmFile == null && invited == null) {
    if (saved == null) throw new UsageError(`--realm REALM_JSON is needed on the first start (${dir.path('realm')} does not exist yet)`, 'REALM_REQUIRED')
    return saved
  }
  const given = realmFile == null ? invited : await readRealmFile(realmFile)
  const from = realmFile ?? 'the invitation'
  if (given == null) throw new CliError('REALM_FILE_NOT_FOUND', `realm file ${realmFile ?? ''} does not exist`)
  if (saved != null && saved.id !== given.id) {
    throw new CliError('REALM_MISMATCH', `${dir.dir} belongs to realm ${saved.name} (${saved.id}), but ${realmFile == null ? '--invitation is to' : '--realm is'} ${given.name} (${given.id}): use another --dir for another realm`)
  }
  if (saved == null || JSON.stringify(saved) !== JSON.stringify(given)) {
    await dir.saveRealm(given)
    log.info('realm.saved', `${saved == null ? 'copied' : 'updated'} ${dir.path('realm')} from ${from}`, { path: dir.path('realm'), from })
  }
  return given
}

export interface TokenSources {
  tokenFile: string | undefined
  peerId: string
  realm: RealmDescriptor
  log: Logger
  now?: number
}

/**
 * `--token FILE` when given (saved to DIR/node.token; tokenRefusal judges it before it is used),
 * else DIR/node.token when it is still of use (this peer, this realm, not about to expire), else
 * undefined: the node asks the leader.
 */
export async function prepareToken (dir: NodeDataDir, sources: TokenSources): Promise<string | undefined> {
  if (sources.tokenFile != null) {
    const token = await readTokenFile(sources.tokenFile)
    await dir.saveToken(token)
    return token
  }
  const saved = await dir.readToken()
  if (saved == null) return undefined
  const problem = savedTokenProblem(saved, sources)
  if (problem == null) return saved
  sources.log.warn('token.unusable', `not using ${dir.path('token')}: ${problem}; asking the leader for a new one`, { path: dir.path('token'), problem })
  return undefined
}

function savedTokenProblem (token: string, sources: TokenSources): string | undefined {
  let claims: { sub?: unknown, realm?: unknown, exp?: unknown }
  try {
    claims = decodeTokenUnverified(token).claims
  } catch {
    return 'it is not a token'
  }
  if (claims.sub !== sources.peerId) return `it is for ${String(claims.sub)}, not for this node (${sources.peerId})`
  if (claims.realm !== sources.realm.id) return `it is for realm ${String(claims.realm)}, not ${sources.realm.id}`
  const now = sources.now ?? Date.now()
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now + MIN_REMAINING_SECONDS * 1000) {
    return `it expired at ${new Date(claims.exp * 1000).toISOString()}`
  }
  return undefined
}

/**
 * What every member would answer to `token` from this peer, judged here with realm.json alone
 * (signature by the realm's leader key, realm, peer, expiry and not-before with the realm's 30 s
 * clock skew): the refusal, or undefined when the realm may accept it (only the leader knows
 * revocations). A node does not dial the realm with a token the realm must refuse: its refusal
 * is the first and only line, not the end of a handshake race.
 */
export async function tokenRefusal (token: string, realm: RealmDescriptor, peerId: string, options: { now?: () => number, skewSeconds?: number, revocations?: Revocations } = {}): Promise<{ code: string, reason: string } | undefined> {
  const { revocations } = options
  return refusalOf(verifyNodeToken(token, { realm, expectedPeer: peerId, now: options.now, skewSeconds: options.skewSeconds, isRevoked: revocations == null ? undefined : (jti, sub) => revocations.isRevoked(jti, sub) }))
}

/** a token verification's refusal (its code and message), or undefined when it verified */
export async function refusalOf (verification: Promise<unknown>): Promise<{ code: string, reason: string } | undefined> {
  try {
    await verification
    return undefined
  } catch (err) {
    if (err instanceof TokenError) return { code: err.code, reason: err.message }
    throw err
  }
}
