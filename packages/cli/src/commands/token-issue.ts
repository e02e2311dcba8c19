/** `realmesh token issue`: a node token signed with the leader key in LEADER_DIR, on stdout only. */
import { resolve } from 'node:path'
import { issueOffline } from '@realmesh/leader'
import { checkPeerId, parseAttributes, parseFlags, required } from '../args.js'
import { parseDuration } from '../duration.js'
import type { Io } from '../io.js'

export async function tokenIssue (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    peer: { type: 'string' },
    ttl: { type: 'string' },
    attr: { type: 'string', multiple: true }
  })
  const dir = resolve(required(values.dir, '--dir'))
  const peer = checkPeerId(required(values.peer, '--peer'), '--peer')
  const ttlSeconds = values.ttl == null ? undefined : parseDuration(values.ttl)
  const attrs = parseAttributes(values.attr, '--attr')
  io.out(await issueOffline({ dir, peer, ttlSeconds, attrs }))
  return 0
}
