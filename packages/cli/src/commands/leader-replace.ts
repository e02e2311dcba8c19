/**
 * `realmesh leader replace OLD_PEER NEW_PEER (--out DIR | --json) [--reason R]`: moves a node's
 * grant, and the identity it carried, to a replacement node. The old node is revoked (reason
 * `replaced by NEW_PEER`); the new one gets a node token with the old token's attributes and grant
 * end and, when the old node used an identity token, a new one for that identity bound to it.
 * Through the running leader's control API, or with the leader directory alone.
 */
import { join, resolve } from 'node:path'
import { replaceOffline } from '@realmesh/leader'
import { checkPeerId, parseFlags } from '../args.js'
import { callApi } from '../api/client.js'
import { replaceResultToJson } from '../api/routes/replace.js'
import { ensureDir, writeFileAtomic } from '../data-dir/files.js'
import { NODE_FILES } from '../data-dir/node-dir.js'
import { UsageError } from '../errors.js'
import { describeRevocation } from './leader-revoke.js'
import { TARGET_FLAGS } from './status.js'
import { viaLeader } from './via-leader.js'
import type { IssuedTokenJson, ReplaceJson } from '../api/routes/replace.js'
import type { Io } from '../io.js'

export async function leaderReplace (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...TARGET_FLAGS, reason: { type: 'string' }, out: { type: 'string' } }, 2)
  const [oldArg, newArg] = positionals
  if (oldArg == null || newArg == null) throw new UsageError('realmesh leader replace OLD_PEER NEW_PEER: name the node to replace and its replacement')
  const old = checkPeerId(oldArg, 'OLD_PEER')
  const next = checkPeerId(newArg, 'NEW_PEER')
  if (values.out === '') throw new UsageError('--out: expected a directory')
  if (values.out == null && values.json !== true) throw new UsageError('say where the new node\'s tokens go: --out DIR (DIR/node.token and DIR/identity.token, 0600) or --json (printed)')
  const result = await viaLeader(values, io,
    async (api) => (await callApi(api, '/replace', { method: 'POST', body: { old, new: next, reason: values.reason } })) as ReplaceJson,
    async (dir) => replaceResultToJson(await replaceOffline({ dir, old, new: next, reason: values.reason })))
  if (values.out == null) {
    io.out(JSON.stringify(result, null, 2))
    return 0
  }
  const out = resolve(values.out)
  await ensureDir(out)
  const written = { nodeToken: join(out, NODE_FILES.token), identityToken: join(out, NODE_FILES.identityToken) }
  await writeFileAtomic(written.nodeToken, `${result.nodeToken.token}\n`, { mode: 0o600 })
  if (result.identityToken != null) await writeFileAtomic(written.identityToken, `${result.identityToken.token}\n`, { mode: 0o600 })
  if (values.json === true) {
    // the tokens are in the files: the document names them rather than repeating them
    const { nodeToken, identityToken, ...rest } = result
    io.out(JSON.stringify({ ...rest, nodeToken: fileOf(nodeToken, written.nodeToken), ...(identityToken == null ? {} : { identityToken: fileOf(identityToken, written.identityToken) }) }, null, 2))
    return 0
  }
  if (result.revocations.length === 0) io.out(`${old} was revoked before: not revoked again`)
  for (const r of result.revocations) io.out(`revoked ${describeRevocation(r)}, seq ${r.seq}, until ${r.until}`)
  io.out(`node token for ${next} (${grant(result.nodeToken)}) written to ${written.nodeToken} (0600)`)
  if (result.identityToken != null) io.out(`identity token for ${result.identityToken.peer} on ${next} (${grant(result.identityToken)}) written to ${written.identityToken} (0600)`)
  io.err(`start the new node with: realmesh node start --dir NEW_NODE_DIR --token ${written.nodeToken}${result.identityToken == null ? '' : ` --identity IDENTITY_DIR --identity-token ${written.identityToken}`} (--out NEW_NODE_DIR puts them in place)`)
  return 0
}

function fileOf (issued: IssuedTokenJson, file: string): Omit<IssuedTokenJson, 'token'> & { file: string } {
  const { token, ...rest } = issued
  void token
  return { ...rest, file }
}

function grant (issued: IssuedTokenJson): string {
  const attrs = Object.entries(issued.attrs).map(([k, v]) => `${k}=${v}`).join(' ')
  return [`expires ${issued.expiresAt}`, issued.renewUntil == null ? (issued.node == null ? 'not renewable' : '') : `renewable until ${issued.renewUntil}`, attrs === '' ? '' : `attributes ${attrs}`].filter(p => p !== '').join(', ')
}
