/**
 * The leader directory (DIR): creating it (initLeader), reading it back (loadLeaderDir), issuing
 * tokens from it without a running leader (issueOffline), and the leader's own node token.
 *
 *   DIR/leader.key     the leader's Ed25519 key                          0600
 *   DIR/realm.json     the realm descriptor (bootstrap rewritten at start) 0644
 *   DIR/leader.yaml    the config (may hold the join secret; listen saved) 0600
 *   DIR/node.token     the leader's own node token                       0600
 *   DIR/pending.json   requests waiting for the operator                 0600
 *   DIR/issued.jsonl   append-only log of issued tokens                  0600
 *   DIR/revoked.json   revoked token ids, until their tokens expire      0600
 *   DIR/peers.json     members' addresses, dialled at the next start     0600
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, KeyFileError, parseRealmDescriptor, randomText, readKeyFile, RealmDescriptorError, TokenError, verifyNodeToken, writeKeyFile } from '@realmesh/token'
import { checkPolicyAgainstRealm, DEFAULT_MAX_LIFETIME_SECONDS, defaultLeaderConfig, parseLeaderConfig, renderLeaderConfig, validateLeaderConfig } from './config.js'
import { LeaderConfigError, LeaderError } from './errors.js'
import { readTextIfExists, writeFileAtomic } from './files.js'
import { RevocationBook } from './revocation.js'
import { ed25519PeerId, issueLogged, LEADER_FILES } from './issuing.js'
import type { LeaderConfig, TokenPolicy } from './config.js'
import type { ConfigProblem } from './errors.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { RealmDescriptor, RealmPolicy } from '@realmesh/token'

export interface InitLeaderInit {
  /** the leader directory; created (0700) when missing */
  dir: string
  /** the realm's human name, 1..64 characters of A-Z a-z 0-9 . _ - */
  name: string
  /** overrides of the default policy (manual). Mode 'auto' without a joinSecret gets a random one. @default {} */
  policy?: Partial<TokenPolicy>
  /** @default ['/ip4/127.0.0.1/tcp/0'] */
  listen?: string[]
  /** overrides of the realm policy written into realm.json. @default DEFAULT_REALM_POLICY */
  realmPolicy?: Partial<RealmPolicy>
  /** replace an existing leader (a new key, so a new realm: the old state files are removed). @default false */
  overwrite?: boolean
  /** @default Date.now */
  now?: () => number
}

export interface InitLeaderResult {
  /** the leader's peer id */
  peerId: string
  realm: RealmDescriptor
  dir: string
  /** the config written to leader.yaml (with the generated join secret, if one was generated) */
  config: LeaderConfig
}

export interface LeaderDir {
  key: Ed25519PrivateKey
  realm: RealmDescriptor
  config: LeaderConfig
  /** the leader's peer id */
  peerId: string
}

/**
 * Creates a leader directory: a new key, realm.json, leader.yaml (defaults + comments) and the
 * leader's own node token. Refuses (LEADER_DIR_EXISTS) when DIR/leader.key exists, unless `overwrite`.
 */
export async function initLeader (init: InitLeaderInit): Promise<InitLeaderResult> {
  const now = init.now ?? Date.now
  const base = defaultLeaderConfig(init.name)
  const policy = { ...base.policy, ...init.policy }
  if (policy.mode === 'auto' && policy.joinSecret === undefined) {
    policy.joinSecret = randomText(32)
  }
  const config = validateLeaderConfig({ ...base, policy, listen: init.listen ?? base.listen }, 'leader config')
  const key = await generateNodeKey()
  let realm: RealmDescriptor
  try {
    realm = createRealmDescriptor({ name: config.realm.name, leaderKey: key, policy: init.realmPolicy, now })
  } catch (err) {
    if (err instanceof RealmDescriptorError) throw new LeaderConfigError([{ path: err.path === 'name' ? 'realm.name' : `realmPolicy.${err.path}`, expected: err.expected, got: err.message }], 'leader init')
    throw err
  }
  const problems: ConfigProblem[] = []
  checkPolicyAgainstRealm(config.policy, realm, 'policy', problems)
  if (problems.length > 0) throw new LeaderConfigError(problems, 'leader init')

  await mkdir(init.dir, { recursive: true, mode: 0o700 })
  const keyPath = join(init.dir, LEADER_FILES.key)
  try {
    // atomic: without overwrite, a key that appeared meanwhile is never replaced
    await writeKeyFile(keyPath, key, { overwrite: init.overwrite ?? false })
  } catch (err) {
    if (err instanceof KeyFileError && err.code === 'KEY_FILE_EXISTS') {
      throw new LeaderError('LEADER_DIR_EXISTS', `${init.dir} already holds a leader (${keyPath}); pass overwrite to replace it with a new realm`, { cause: err })
    }
    throw err
  }
  if (init.overwrite === true) {
    // state of the replaced realm means nothing to the new one
    for (const file of [LEADER_FILES.pending, LEADER_FILES.issued, LEADER_FILES.revoked, LEADER_FILES.epochs, LEADER_FILES.nodeToken]) {
      await rm(join(init.dir, file), { force: true })
    }
  }
  await writeRealm(init.dir, realm)
  await writeFileAtomic(join(init.dir, LEADER_FILES.config), renderLeaderConfig(config), { mode: 0o600 })
  await ensureLeaderToken(init.dir, key, realm, { now })
  return { peerId: realm.leader.peerId, realm, dir: init.dir, config }
}

/**
 * Reads a leader directory: key, realm.json, leader.yaml, checked against each other (the key is
 * the realm's leader; the config's name and token lifetime fit the realm).
 */
export async function loadLeaderDir (dir: string): Promise<LeaderDir> {
  const keyPath = join(dir, LEADER_FILES.key)
  let key: Ed25519PrivateKey
  try {
    key = await readKeyFile(keyPath)
  } catch (err) {
    if (err instanceof KeyFileError && err.code === 'KEY_FILE_NOT_FOUND') {
      throw new LeaderError('LEADER_DIR_NOT_INITIALIZED', `${dir} is not a leader directory (no ${LEADER_FILES.key}); create one with \`realmesh leader init\``, { cause: err })
    }
    throw err
  }
  const realm = parseRealmDescriptor(await readRequired(dir, LEADER_FILES.realm))
  const peerId = peerIdFromPrivateKey(key).toString()
  if (realm.leader.peerId !== peerId) {
    throw new LeaderError('LEADER_KEY_MISMATCH', `${join(dir, LEADER_FILES.realm)} names leader ${realm.leader.peerId}, but ${keyPath} is the key of ${peerId}`)
  }
  const config = parseLeaderConfig(await readRequired(dir, LEADER_FILES.config))
  const problems: ConfigProblem[] = []
  if (config.realm.name !== realm.name) {
    problems.push({ path: 'realm.name', expected: `${JSON.stringify(realm.name)}, the name in realm.json`, got: JSON.stringify(config.realm.name) })
  }
  checkPolicyAgainstRealm(config.policy, realm, 'policy', problems)
  if (problems.length > 0) throw new LeaderConfigError(problems, join(dir, LEADER_FILES.config))
  return { key, realm, config, peerId }
}

export interface IssueOfflineInit {
  dir: string
  /** the node's peer id */
  peer: string
  /** @default the config's policy.ttlSeconds */
  ttlSeconds?: number
  /** user attributes for the token's ext.attrs */
  attrs?: Record<string, string>
  /** the node may renew the token, up to `maxLifetimeSeconds` after now. @default false */
  renewable?: boolean
  /** how long the grant may be renewed in all, seconds. @default the config's policy.maxLifetimeSeconds */
  maxLifetimeSeconds?: number
  /** @default Date.now */
  now?: () => number
}

/** `realmesh token issue`: a node token signed with the key in DIR, logged to issued.jsonl as `offline`. */
export async function issueOffline (init: IssueOfflineInit): Promise<string> {
  const { key, realm, config } = await loadLeaderDir(init.dir)
  const subject = ed25519PeerId(init.peer)
  const now = init.now ?? Date.now
  await refuseRevoked(init.dir, key, realm, now, [subject])
  const renewUntil = init.renewable === true ? Math.floor(now() / 1000) + (init.maxLifetimeSeconds ?? config.policy.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS) : undefined
  const { token } = await issueLogged(key, { realm, subject, ttlSeconds: init.ttlSeconds ?? config.policy.ttlSeconds, attrs: init.attrs, how: 'offline', renewUntil, now, dir: init.dir })
  return token
}

export interface IssueIdentityOfflineInit {
  dir: string
  /** the identity's peer id (the token's sub) */
  identity: string
  /** the peer id of the node the identity uses (the token's ext.node names its fingerprint) */
  node: string
  /** @default the config's policy.ttlSeconds */
  ttlSeconds?: number
  /** user attributes for the token's ext.attrs (what attribute audiences match) */
  attrs?: Record<string, string>
  /** @default Date.now */
  now?: () => number
}

/**
 * `realmesh token issue --identity`: an identity token for `identity` bound to `node`, signed with
 * the key in DIR, logged to issued.jsonl (kind `identity`, with the node) as `offline`. Not
 * renewable: a node does not renew its identity token, so its ttl is how long the identity stays
 * on that node.
 */
export async function issueIdentityOffline (init: IssueIdentityOfflineInit): Promise<string> {
  const { key, realm, config } = await loadLeaderDir(init.dir)
  const identity = ed25519PeerId(init.identity)
  const node = ed25519PeerId(init.node)
  const now = init.now ?? Date.now
  await refuseRevoked(init.dir, key, realm, now, [identity, node])
  const { token } = await issueLogged(key, { realm, subject: identity, node, ttlSeconds: init.ttlSeconds ?? config.policy.ttlSeconds, attrs: init.attrs, how: 'offline', now, dir: init.dir })
  return token
}

/** LeaderError PEER_REVOKED when DIR's revocations refuse one of `peers` tokens */
async function refuseRevoked (dir: string, key: Ed25519PrivateKey, realm: RealmDescriptor, now: () => number, peers: string[]): Promise<void> {
  const revoked = new RevocationBook({ realm, key, now })
  const revokedText = await readTextIfExists(join(dir, LEADER_FILES.revoked))
  if (revokedText !== undefined) revoked.load(revokedText, join(dir, LEADER_FILES.revoked))
  for (const peer of peers) {
    if (revoked.refuses(peer)) throw new LeaderError('PEER_REVOKED', `the tokens of ${peer} were revoked (realmesh leader revocations --dir ${dir}): no token is issued to it`)
  }
}

/** A leader token closer than this to its expiry is replaced. */
export const LEADER_TOKEN_RENEW_BEFORE_MS = 24 * 3_600_000

/**
 * The leader's own node token (iss = sub = the leader): DIR/node.token when it verifies and has
 * more than a day to live, otherwise a new one (the longest the realm allows), written there.
 */
export async function ensureLeaderToken (dir: string, key: Ed25519PrivateKey, realm: RealmDescriptor, options: { now?: () => number, isRevoked?: (jti: string, sub: string) => boolean } = {}): Promise<{ token: string, exp: number }> {
  const now = options.now ?? Date.now
  const path = join(dir, LEADER_FILES.nodeToken)
  const existing = (await readTextIfExists(path))?.trim()
  if (existing !== undefined && existing !== '') {
    try {
      const verified = await verifyNodeToken(existing, { realm, expectedPeer: realm.leader.peerId, now, isRevoked: options.isRevoked })
      if (verified.claims.exp * 1000 - now() > LEADER_TOKEN_RENEW_BEFORE_MS) return { token: existing, exp: verified.claims.exp }
    } catch (err) {
      if (!(err instanceof TokenError)) throw err
      // expired, revoked, of another realm: replaced below
    }
  }
  const { token, entry } = await issueLogged(key, { realm, subject: realm.leader.peerId, ttlSeconds: realm.policy.maxTokenTtlSeconds, how: 'offline', now, dir })
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600 })
  return { token, exp: entry.exp }
}

/** Writes realm.json (not secret: it is what nodes are given to find the realm). */
export async function writeRealm (dir: string, realm: RealmDescriptor): Promise<void> {
  await writeFileAtomic(join(dir, LEADER_FILES.realm), `${JSON.stringify(realm, null, 2)}\n`, { mode: 0o644 })
}

async function readRequired (dir: string, file: string): Promise<string> {
  const text = await readTextIfExists(join(dir, file))
  if (text === undefined) {
    throw new LeaderError('LEADER_DIR_NOT_INITIALIZED', `${dir} has no ${file}; a leader directory is created by \`realmesh leader init\``)
  }
  return text
}
