/**
 * `realmesh identity init --dir IDENTITY_DIR`: an identity key, IDENTITY_DIR/identity.key (0600);
 * prints only its peer id, which the leader issues identity tokens for (`token issue --identity`)
 * and audiences name. The key stays with whoever runs the identity: a node started with
 * `--identity IDENTITY_DIR` signs its subjects with it; the leader never holds it.
 */
import { resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseFlags, required } from '../args.js'
import { ensureDir } from '../data-dir/files.js'
import { createKeyFile } from '../data-dir/key-file.js'
import { identityKeyPath } from '../data-dir/node-dir.js'
import type { Io } from '../io.js'

export async function identityInit (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { dir: { type: 'string' }, force: { type: 'boolean' } })
  const dir = resolve(required(values.dir, '--dir'))
  await ensureDir(dir)
  const key = await createKeyFile(identityKeyPath(dir), { force: values.force === true, what: 'an identity' })
  io.out(peerIdFromPrivateKey(key).toString())
  return 0
}
