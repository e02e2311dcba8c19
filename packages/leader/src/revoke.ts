/**
 * What `revoke PEER_ID|JTI` revokes, and revoking with the leader directory alone (the leader not
 * running: `realmesh leader revoke --dir DIR` signs with the key there and writes revoked.json,
 * which the leader spreads to members when it starts).
 */
import { join } from 'node:path'
import { DEFAULT_SKEW_SECONDS } from '@realmesh/token'
import { AtomicFile, readTextIfExists } from './files.js'
import { issuedChain, LEADER_FILES } from './issuing.js'
import { loadLeaderDir } from './leader-dir.js'
import { asPeerId, checkJti, RevocationBook } from './revocation.js'
import type { IssuedEntry } from './issuing.js'
import type { RevocationTarget, RevokedPeer } from './revocation.js'
import type { Revocation } from '@realmesh/wire'

export interface TargetsInit {
  book: RevocationBook
  now: () => number
  /** the leader directory, whose issued.jsonl names the peer and the renewals of a jti */
  dir?: string
  /** tokens issued in this run and not (yet) in a log: the entry of a jti */
  issued?: (jti: string) => IssuedEntry | undefined
  /** this run's renewals: the jti that renewed a jti */
  renewedBy?: (jti: string) => string | undefined
}

/**
 * A peer id: every token of that peer, for as long as any token of the realm can last. A jti: that
 * token and each renewal of it (issued.jsonl, and this run's), each until its exp plus the skew
 * allowance; a jti nobody logged is revoked by its id alone, for as long as any token lasts.
 */
export async function revocationTargets (target: string, init: TargetsInit): Promise<RevocationTarget[]> {
  const peer = asPeerId(target)
  if (peer !== undefined) return [{ peer, jti: '', untilMs: init.book.peerRevocationUntil() }]
  checkJti(target)
  const chain = new Map<string, IssuedEntry>()
  if (init.dir !== undefined) for (const entry of await issuedChain(init.dir, target)) chain.set(entry.jti, entry)
  for (let next: string | undefined = target, hops = 0; next !== undefined && hops < 10_000; next = init.renewedBy?.(next), hops++) {
    const entry = init.issued?.(next)
    if (entry !== undefined) chain.set(entry.jti, entry)
  }
  const skewMs = DEFAULT_SKEW_SECONDS * 1000
  const targets = [...chain.values()].map(e => ({ peer: e.peer, jti: e.jti, untilMs: e.exp * 1000 + skewMs })).filter(t => t.untilMs > init.now())
  if (!chain.has(target)) targets.unshift({ peer: '', jti: target, untilMs: init.book.peerRevocationUntil() })
  return targets
}

/** the revocations and revoked peers in DIR/revoked.json */
export async function readRevocations (dir: string, now: () => number = Date.now): Promise<{ revocations: Revocation[], peers: RevokedPeer[] }> {
  const { book } = await openRevocationBook(dir, now)
  return { revocations: book.list(), peers: book.revokedPeers() }
}

/** Revokes with the key in DIR (the leader not running), writing DIR/revoked.json; resolves with what was signed. */
export async function revokeOffline (init: { dir: string, target: string, reason?: string, now?: () => number }): Promise<Revocation[]> {
  const now = init.now ?? Date.now
  const { book, file } = await openRevocationBook(init.dir, now)
  const signed = book.sign(await revocationTargets(init.target, { book, now, dir: init.dir }), init.reason ?? '')
  await file.save()
  return signed
}

/** DIR's revocation book, loaded from revoked.json, and the file it is saved to */
export async function openRevocationBook (dir: string, now: () => number): Promise<{ book: RevocationBook, file: AtomicFile }> {
  const { key, realm } = await loadLeaderDir(dir)
  const book = new RevocationBook({ realm, key, now })
  const file = new AtomicFile(join(dir, LEADER_FILES.revoked), 0o600, () => book.render())
  const text = await readTextIfExists(file.path)
  if (text !== undefined) book.load(text, file.path)
  return { book, file }
}
