/** Creating a key file for `node init` and `identity init`: a new Ed25519 key, never over an existing one unless forced. */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, readKeyFile, writeKeyFile } from '@realmesh/token'
import { CliError } from '../errors.js'
import type { NodeKey } from './node-dir.js'

/**
 * Writes a new key to `path` (0600) and returns it. An existing key is KEY_FILE_EXISTS, naming its
 * peer id (a key is an identity: it is kept), unless `force`.
 */
export async function createKeyFile (path: string, options: { force: boolean, what: string }): Promise<NodeKey> {
  const key = await generateNodeKey()
  try {
    await writeKeyFile(path, key, { overwrite: options.force })
  } catch (err) {
    if ((err as { code?: string }).code !== 'KEY_FILE_EXISTS') throw err
    const existing = await readKeyFile(path).then(k => ` (peer id ${peerIdFromPrivateKey(k).toString()})`, () => '')
    throw new CliError('KEY_FILE_EXISTS', `${path} exists already${existing}: ${options.what} keeps its key; --force replaces it`)
  }
  return key
}
