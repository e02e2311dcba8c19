/** `realmesh send PEER_ID DATA|-`: a direct request through the daemon's node; prints the answer. */
import { parseFlags, checkPeerId } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { UsageError } from '../errors.js'
import { TARGET_FLAGS } from './status.js'
import { printable, readData } from './data-arg.js'
import type { Io } from '../io.js'

export async function send (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, TARGET_FLAGS, 2)
  if (positionals[0] == null) throw new UsageError('realmesh send PEER_ID DATA: the peer id is missing')
  const peer = checkPeerId(positionals[0], 'PEER_ID')
  const data = await readData(positionals[1], io, 'send')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const answer = await callApi(target, `/send/${encodeURIComponent(peer)}`, { method: 'POST', body: data, timeoutMs: 45_000 }) as { data?: unknown, dataBase64?: unknown }
  io.out(values.json === true ? JSON.stringify(answer) : printable(answer))
  return 0
}
