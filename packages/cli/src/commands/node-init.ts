/** `realmesh node init`: a node key in DIR; prints only the peer id. */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseFlags, required } from '../args.js'
import { ensureDir, removeFile } from '../data-dir/files.js'
import { createKeyFile } from '../data-dir/key-file.js'
import { NodeDataDir } from '../data-dir/node-dir.js'
import type { Io } from '../io.js'

export async function nodeInit (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { dir: { type: 'string' }, force: { type: 'boolean' } })
  const dir = new NodeDataDir(required(values.dir, '--dir'))
  const force = values.force === true
  await ensureDir(dir.dir)
  const key = await createKeyFile(dir.path('key'), { force, what: 'a node' })
  if (force) {
    // tokens are bound to the old peer id: they are of no use to the new key
    await removeFile(dir.path('token'))
    await removeFile(dir.path('identityToken'))
  }
  io.out(peerIdFromPrivateKey(key).toString())
  return 0
}
