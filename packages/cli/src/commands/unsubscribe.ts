/** `realmesh unsubscribe NAME`: ends the daemon's durable subscription NAME and deletes what it stored. */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { UsageError } from '../errors.js'
import { plural } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

export async function unsubscribe (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, TARGET_FLAGS, 1)
  const name = positionals[0]
  if (name == null || name === '') throw new UsageError('realmesh unsubscribe NAME: the durable subscription\'s name is missing')
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const result = await callApi(target, `/durable/${encodeURIComponent(name)}/unsubscribe`, { method: 'POST' }) as { deleted?: number }
  if (values.json === true) io.out(JSON.stringify(result))
  else io.out(`unsubscribed ${name}: ${plural(result.deleted ?? 0, 'stored message')} deleted`)
  return 0
}
