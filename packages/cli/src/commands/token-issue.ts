/**
 * `realmesh token issue`: a node token signed with the leader key in LEADER_DIR, on stdout, or
 * with `--out FILE` into FILE (0600, written atomically: a reader never sees half a token, and the
 * shell's umask plays no part, as it does for `> FILE`). Not renewable unless `--renewable`: a
 * short grant stays short; `--max-lifetime D` bounds how long renewals may extend it.
 */
import { resolve } from 'node:path'
import { issueOffline } from '@realmesh/leader'
import { checkPeerId, parseAttributes, parseFlags, required } from '../args.js'
import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { writeFileAtomic } from '../data-dir/files.js'
import type { Io } from '../io.js'

export async function tokenIssue (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    peer: { type: 'string' },
    ttl: { type: 'string' },
    attr: { type: 'string', multiple: true },
    out: { type: 'string' },
    renewable: { type: 'boolean' },
    'max-lifetime': { type: 'string' }
  })
  if (values['max-lifetime'] != null && values.renewable !== true) throw new UsageError('--max-lifetime goes with --renewable')
  const dir = resolve(required(values.dir, '--dir'))
  const peer = checkPeerId(required(values.peer, '--peer'), '--peer')
  const ttlSeconds = values.ttl == null ? undefined : parseDuration(values.ttl)
  const attrs = parseAttributes(values.attr, '--attr')
  if (values.out === '') throw new UsageError('--out: expected a file path')
  const out = values.out == null ? undefined : resolve(values.out)
  const maxLifetimeSeconds = values['max-lifetime'] == null ? undefined : parseDuration(values['max-lifetime'])
  const token = await issueOffline({ dir, peer, ttlSeconds, attrs, renewable: values.renewable === true, maxLifetimeSeconds })
  if (out == null) {
    io.out(token)
    return 0
  }
  await writeFileAtomic(out, `${token}\n`, { mode: 0o600 })
  io.err(`token for ${peer} written to ${out} (0600)`)
  return 0
}
