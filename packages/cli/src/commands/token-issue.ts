/**
 * `realmesh token issue`: a token signed with the leader key in LEADER_DIR, on stdout, or with
 * `--out FILE` into FILE (0600, written atomically: a reader never sees half a token, and the
 * shell's umask plays no part, as it does for `> FILE`).
 *
 * `--peer PEER_ID`: a node token. Not renewable unless `--renewable`: a short grant stays short;
 * `--max-lifetime D` bounds how long renewals may extend it.
 * `--identity IDENTITY_PEER_ID --node NODE_PEER_ID`: an identity token for that identity, bound to
 * that node (the node starts with `--identity IDENTITY_DIR --identity-token FILE`).
 */
import { resolve } from 'node:path'
import { issueIdentityOffline, issueOffline } from '@realmesh/leader'
import { checkPeerId, parseAttributes, parseFlags, required } from '../args.js'
import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { writeFileAtomic } from '../data-dir/files.js'
import type { Io } from '../io.js'

export async function tokenIssue (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    peer: { type: 'string' },
    identity: { type: 'string' },
    node: { type: 'string' },
    ttl: { type: 'string' },
    attr: { type: 'string', multiple: true },
    out: { type: 'string' },
    renewable: { type: 'boolean' },
    'max-lifetime': { type: 'string' }
  })
  if (values['max-lifetime'] != null && values.renewable !== true) throw new UsageError('--max-lifetime goes with --renewable')
  if ((values.identity != null) === (values.peer != null)) throw new UsageError('give --peer PEER_ID (a node token) or --identity IDENTITY_PEER_ID --node NODE_PEER_ID (an identity token), not both')
  if (values.identity == null && values.node != null) throw new UsageError('--node goes with --identity (the node an identity token is bound to)')
  if (values.identity != null && values.renewable === true) throw new UsageError('--renewable is for node tokens: a node does not renew its identity token (give the --ttl the identity should last on that node)')
  const dir = resolve(required(values.dir, '--dir'))
  const ttlSeconds = values.ttl == null ? undefined : parseDuration(values.ttl)
  const attrs = parseAttributes(values.attr, '--attr')
  if (values.out === '') throw new UsageError('--out: expected a file path')
  const out = values.out == null ? undefined : resolve(values.out)
  let token: string
  let what: string
  if (values.identity != null) {
    const identity = checkPeerId(values.identity, '--identity')
    const node = checkPeerId(required(values.node, '--node'), '--node')
    token = await issueIdentityOffline({ dir, identity, node, ttlSeconds, attrs })
    what = `identity token for ${identity} on node ${node}`
  } else {
    const peer = checkPeerId(required(values.peer, '--peer'), '--peer')
    const maxLifetimeSeconds = values['max-lifetime'] == null ? undefined : parseDuration(values['max-lifetime'])
    token = await issueOffline({ dir, peer, ttlSeconds, attrs, renewable: values.renewable === true, maxLifetimeSeconds })
    what = `token for ${peer}`
  }
  if (out == null) {
    io.out(token)
    return 0
  }
  await writeFileAtomic(out, `${token}\n`, { mode: 0o600 })
  io.err(`${what} written to ${out} (0600)`)
  return 0
}
