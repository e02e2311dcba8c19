/**
 * A node's data dir: everything a node daemon needs to come back as the same member after a
 * restart.
 *
 *   DIR/node.key     Ed25519 key (mode 0600): the node's peer id
 *   DIR/node.token   the node token (mode 0600): from --token, or issued by the leader
 *   DIR/identity.key    the key of the identity this node uses (0600), from --identity IDENTITY_DIR
 *   DIR/identity.token  that identity's token, bound to this node (0600), from --identity-token
 *   DIR/realm.json   the realm descriptor, copied from --realm on first start
 *   DIR/peers.json   addresses of members, saved after joins, every 30 s and on stop, dialled at start (mode 0600)
 *   DIR/api.json     the running daemon's control API (url + bearer token, mode 0600)
 */
import { join, resolve } from 'node:path'
import { parseRealmDescriptor, readKeyFile, writeKeyFile, generateNodeKey, MAX_TOKEN_LENGTH } from '@realmesh/token'
import { CliError } from '../errors.js'
import { readTextFile, writeFileAtomic } from './files.js'
import { readPeersFile, writePeersFile } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'

/** the key type @realmesh/token reads and writes */
export type NodeKey = Awaited<ReturnType<typeof generateNodeKey>>

export const NODE_FILES = {
  key: 'node.key',
  token: 'node.token',
  identityKey: 'identity.key',
  identityToken: 'identity.token',
  realm: 'realm.json',
  peers: 'peers.json',
  api: 'api.json',
  /** the embedded store (LevelDB): durable subscriptions, publications waiting for acks, the peer store */
  store: 'store'
} as const

/** a realm.json is a few hundred bytes (32 bootstrap addresses at most) */
const MAX_REALM_BYTES = 64 * 1024

export class NodeDataDir {
  readonly dir: string

  constructor (dir: string) {
    this.dir = resolve(dir)
  }

  path (file: keyof typeof NODE_FILES): string {
    return join(this.dir, NODE_FILES[file])
  }

  /** Reads DIR/node.key, or creates it when missing (`created` says which). */
  async loadOrCreateKey (): Promise<{ key: NodeKey, created: boolean }> {
    try {
      return { key: await readKeyFile(this.path('key')), created: false }
    } catch (err) {
      if ((err as { code?: string }).code !== 'KEY_FILE_NOT_FOUND') throw err
    }
    const key = await generateNodeKey()
    await writeKeyFile(this.path('key'), key)
    return { key, created: true }
  }

  async readToken (): Promise<string | undefined> {
    const text = await readTextFile(this.path('token'), MAX_TOKEN_LENGTH + 64)
    return text == null ? undefined : checkTokenText(text, this.path('token'))
  }

  async saveToken (token: string): Promise<void> {
    await writeFileAtomic(this.path('token'), `${token}\n`, { mode: 0o600 })
  }

  /** DIR/identity.key, or undefined when this node uses no identity of its own */
  async readIdentityKey (): Promise<NodeKey | undefined> {
    try {
      return await readKeyFile(this.path('identityKey'))
    } catch (err) {
      if ((err as { code?: string }).code === 'KEY_FILE_NOT_FOUND') return undefined
      throw err
    }
  }

  async saveIdentityKey (key: NodeKey): Promise<void> {
    await writeKeyFile(this.path('identityKey'), key, { overwrite: true })
  }

  async readIdentityToken (): Promise<string | undefined> {
    const text = await readTextFile(this.path('identityToken'), MAX_TOKEN_LENGTH + 64)
    return text == null ? undefined : checkTokenText(text, this.path('identityToken'))
  }

  async saveIdentityToken (token: string): Promise<void> {
    await writeFileAtomic(this.path('identityToken'), `${token}\n`, { mode: 0o600 })
  }

  async readRealm (): Promise<RealmDescriptor | undefined> {
    return readRealmFile(this.path('realm'))
  }

  async saveRealm (realm: RealmDescriptor): Promise<void> {
    await writeFileAtomic(this.path('realm'), `${JSON.stringify(realm, null, 2)}\n`, { mode: 0o644 })
  }

  /** Addresses saved by an earlier run; a damaged file is ignored (it is only a hint). */
  async readPeers (): Promise<{ peers: string[], error?: string }> {
    return readPeersFile(this.path('peers'))
  }

  async savePeers (peers: string[], now = Date.now()): Promise<void> {
    await writePeersFile(this.path('peers'), peers, now)
  }
}

/** IDENTITY_DIR/identity.key: an identity dir (`realmesh identity init`) holds its key under the name a node data dir does */
export function identityKeyPath (dir: string): string {
  return join(resolve(dir), NODE_FILES.identityKey)
}

/** Reads a token file (--token FILE, --identity-token FILE, DIR/node.token): one compact JWS, surrounding whitespace ignored. */
export async function readTokenFile (path: string): Promise<string> {
  const text = await readTextFile(path, MAX_TOKEN_LENGTH + 64)
  if (text == null) throw new CliError('TOKEN_FILE_NOT_FOUND', `token file ${path} does not exist`)
  return checkTokenText(text, path)
}

function checkTokenText (text: string, path: string): string {
  const token = text.trim()
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token) || token.length > MAX_TOKEN_LENGTH) {
    throw new CliError('TOKEN_FILE_INVALID', `${path} does not hold a token (one compact JWS: three base64url parts separated by dots)`)
  }
  return token
}

/** Reads and validates a realm.json; undefined when the file does not exist. */
export async function readRealmFile (path: string): Promise<RealmDescriptor | undefined> {
  const text = await readTextFile(path, MAX_REALM_BYTES)
  if (text == null) return undefined
  try {
    return parseRealmDescriptor(text)
  } catch (err) {
    const e = err as { code?: string, path?: string, expected?: string, message?: string }
    throw new CliError(e.code ?? 'REALM_DESCRIPTOR_INVALID', `${path}: ${e.path == null || e.path === '' ? '' : `${e.path}: `}${e.expected == null ? (e.message ?? '') : `expected ${e.expected}`}`, { cause: err })
  }
}
