/**
 * The identity a node daemon joins and signs its subjects as (seed 001: "the join message contains
 * the identity that uses the node"): its key and its identity token, bound to this node. Given once
 * (`--identity IDENTITY_DIR`, `--identity-token FILE`) and kept in the data dir, so a restart
 * comes back as the same identity. Without either file the node is its own identity.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { decodeTokenUnverified, readKeyFile, verifyIdentityToken } from '@realmesh/token'
import { CliError } from '../errors.js'
import { identityKeyPath, readTokenFile } from '../data-dir/node-dir.js'
import { refusalOf } from './node-state.js'
import type { RealmDescriptor } from '@realmesh/token'
import type { Revocations } from '@realmesh/node'
import type { NodeDataDir, NodeKey } from '../data-dir/node-dir.js'
import type { Logger } from '../log/logger.js'

export interface NodeIdentity {
  key: NodeKey
  token: string
  /** the identity's peer id */
  identity: string
  /** the identity token's exp, seconds since the epoch */
  exp: number
}

export interface IdentitySources {
  /** --identity: a dir holding identity.key (`realmesh identity init`, or another node's data dir) */
  identityDir?: string
  /** --identity-token: the identity token for this node */
  identityTokenFile?: string
  log: Logger
}

/**
 * Copies what the flags give into DIR (identity.key, identity.token, 0600), then reads both back:
 * undefined when DIR has neither; IDENTITY_KEY_MISSING / IDENTITY_TOKEN_MISSING when it has only
 * one; IDENTITY_MISMATCH when the token is another identity's.
 */
export async function prepareIdentity (dir: NodeDataDir, sources: IdentitySources): Promise<NodeIdentity | undefined> {
  if (sources.identityDir != null) {
    const path = identityKeyPath(sources.identityDir)
    const key = await readKeyFile(path).catch((err: unknown) => {
      if ((err as { code?: string }).code !== 'KEY_FILE_NOT_FOUND') throw err
      throw new CliError('IDENTITY_KEY_MISSING', `${path} does not exist: --identity names a dir holding an identity key (realmesh identity init --dir ${sources.identityDir})`)
    })
    await dir.saveIdentityKey(key)
    const identity = peerIdFromPrivateKey(key).toString()
    sources.log.info('identity.saved', `copied the identity key of ${identity} to ${dir.path('identityKey')}`, { identity, path: dir.path('identityKey') })
  }
  if (sources.identityTokenFile != null) await dir.saveIdentityToken(await readTokenFile(sources.identityTokenFile))
  const key = await dir.readIdentityKey()
  const token = await dir.readIdentityToken()
  if (key == null && token == null) return undefined
  if (key == null) throw new CliError('IDENTITY_KEY_MISSING', `${dir.path('identityToken')} is an identity token, but ${dir.dir} holds no identity key to sign with: give --identity IDENTITY_DIR`)
  const identity = peerIdFromPrivateKey(key).toString()
  if (token == null) throw new CliError('IDENTITY_TOKEN_MISSING', `${dir.path('identityKey')} is the key of identity ${identity}, but ${dir.dir} holds no identity token for it: give --identity-token FILE (realmesh token issue --identity ${identity} --node THIS_NODE)`)
  let claims: { sub?: unknown, exp?: unknown }
  try {
    claims = decodeTokenUnverified(token).claims
  } catch (err) {
    throw new CliError('TOKEN_FILE_INVALID', `${dir.path('identityToken')} does not hold a token`, { cause: err })
  }
  if (claims.sub !== identity) {
    throw new CliError('IDENTITY_MISMATCH', `${dir.path('identityToken')} is a token of ${String(claims.sub)}, but ${dir.path('identityKey')} is the key of ${identity}: give that identity's key (--identity) or a token for ${identity} (--identity-token)`)
  }
  return { key, token, identity, exp: typeof claims.exp === 'number' ? claims.exp : 0 }
}

/**
 * What every member would answer to this identity token from this node, judged with realm.json
 * (the leader's signature, realm, bound to this node, expiry with the skew, and the revocations
 * this node knows): the refusal (its reason says it is the identity token), or undefined.
 */
export async function identityRefusal (identity: NodeIdentity, realm: RealmDescriptor, peerId: string, options: { skewSeconds?: number, revocations?: Revocations } = {}): Promise<{ code: string, reason: string } | undefined> {
  const { revocations } = options
  const refusal = await refusalOf(verifyIdentityToken(identity.token, { realm, expectedNode: peerId, skewSeconds: options.skewSeconds, isRevoked: revocations == null ? undefined : (jti, sub) => revocations.isRevoked(jti, sub) }))
  return refusal == null ? undefined : { code: refusal.code, reason: `identity token of ${identity.identity}: ${refusal.reason}` }
}
