/**
 * `realmesh leader revoke PEER_ID|JTI [--reason R]` and `realmesh leader revocations`: through the
 * running leader's control API, or, when no leader runs on --dir, with the leader directory alone
 * (revoked.json, spread to the members when the leader starts).
 */
import { readRevocations, revokeOffline } from '@realmesh/leader'
import { revocationToJson } from '@realmesh/node'
import { parseFlags } from '../args.js'
import { callApi } from '../api/client.js'
import { UsageError } from '../errors.js'
import { isoTime, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import { viaLeader } from './via-leader.js'
import type { RevocationJson } from '@realmesh/node'
import type { Io } from '../io.js'

export async function leaderRevoke (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, reason: { type: 'string' } }, 1)
  const target = positionals[0]
  if (target == null || target === '') throw new UsageError('realmesh leader revoke PEER_ID|JTI: say what to revoke (a peer id: every token of it; a jti: that token and its renewals)')
  const revocations = await viaLeader(values, io,
    async (api) => ((await callApi(api, '/revocations', { method: 'POST', body: { target, reason: values.reason } })) as { revocations: RevocationJson[] }).revocations,
    async (dir) => (await revokeOffline({ dir, target, reason: values.reason })).map(revocationToJson))
  if (values.json === true) {
    io.out(JSON.stringify(revocations, null, 2))
    return 0
  }
  for (const r of revocations) io.out(`revoked ${describeRevocation(r)}, seq ${r.seq}, until ${r.until}`)
  return 0
}

export async function leaderRevocations (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const { revocations, peers } = await viaLeader(values, io,
    async (api) => (await callApi(api, '/revocations')) as { revocations: RevocationJson[], peers: Array<{ peer: string, revokedAt: string, reason: string }> },
    async (dir) => {
      const read = await readRevocations(dir)
      return { revocations: read.revocations.map(revocationToJson), peers: read.peers }
    })
  if (values.json === true) {
    io.out(JSON.stringify({ revocations, peers }, null, 2))
    return 0
  }
  if (revocations.length === 0 && peers.length === 0) {
    io.out('no revocations')
    return 0
  }
  const rows = [['SEQ', 'REVOKED', 'AT', 'UNTIL', 'REASON']]
  for (const r of revocations) rows.push([String(r.seq), describeRevocation(r), isoTime(r.revokedAt), isoTime(r.until), text(r.reason)])
  for (const line of table(rows)) io.out(line)
  if (peers.length > 0) io.out(`${peers.length} peer(s) refused tokens for good: ${peers.map(p => p.peer).join(', ')}`)
  return 0
}

/** what a revocation names, for the operator */
export function describeRevocation (r: RevocationJson): string {
  if (r.jti === '') return `${r.peer} (every token)`
  return r.peer === '' ? `token ${r.jti}` : `token ${r.jti} of ${r.peer}`
}
