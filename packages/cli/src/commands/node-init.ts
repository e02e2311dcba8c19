/** `realmesh node init`: a node key in DIR; prints only the peer id. */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey, readKeyFile, writeKeyFile } from '@realmesh/token'
import { parseFlags, required } from '../args.js'
import { CliError } from '../errors.js'
import { ensureDir, removeFile } from '../data-dir/files.js'
import { NodeDataDir } from '../data-dir/node-dir.js'
import type { Io } from '../io.js'

export async function nodeInit (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { dir: { type: 'string' }, force: { type: 'boolean' } })
  const dir = new NodeDataDir(required(values.dir, '--dir'))
  const force = values.force === true
  await ensureDir(dir.dir)
  const key = await generateNodeKey()
  try {
    await writeKeyFile(dir.path('key'), key, { overwrite: force })
  } catch (err) {
    if ((err as { code?: string }).code !== 'KEY_FILE_EXISTS') throw err
    const existing = await readKeyFile(dir.path('key')).then(k => ` (peer id ${peerIdFromPrivateKey(k).toString()})`, () => '')
    throw new CliError('KEY_FILE_EXISTS', `${dir.path('key')} exists already${existing}: a node keeps its identity; --force replaces it`)
  }
  if (force) {
    // a token is bound to the old peer id: it is of no use to the new key
    await removeFile(dir.path('token'))
  }
  io.out(peerIdFromPrivateKey(key).toString())
  return 0
}
