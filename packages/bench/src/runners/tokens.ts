/**
 * Token verification rates on one core (suite 4), every side in the same process, in interleaved
 * rounds so that clock boosts and GC hit all sides alike; each side's figure is its median round.
 *
 *   raw:    node:crypto `verify(null, signingInput, leaderKeyObject, signature)` on the tokens'
 *           pre-decoded signing inputs and signatures, with the KeyObject built once: the
 *           physical limit of Ed25519 verification, nothing else
 *   cold:   `verifyNodeToken(token, { realm, expectedPeer })` without a cache: size, decode,
 *           header and claim checks, one Ed25519 verify, time, realm, issuer and peer checks
 *   cached: the same with a TokenCache that already holds every token (the handshake's case for
 *           a token seen before): sha256 of the token, lookup, and the claim re-checks
 */
import { createPublicKey, verify } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken, TokenCache, verifyNodeToken } from '@realmesh/token'
import { median } from '../stats.js'
import type { TokensJob } from '../jobs.js'

export interface TokensResult {
  tokens: number
  /** verifications per second, one entry per round */
  raw: number[]
  cold: number[]
  cached: number[]
  /** the median rounds */
  rawPerSecond: number
  coldPerSecond: number
  cachedPerSecond: number
}

/** ops per second of `op` over `items`, repeating passes until at least `minMs` went by */
async function rate<T> (items: T[], minMs: number, op: (item: T) => unknown): Promise<number> {
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  do {
    for (const item of items) await op(item)
    ops += items.length
    elapsed = performance.now() - start
  } while (elapsed < minMs)
  return ops / (elapsed / 1000)
}

/** the same as `rate`, for a synchronous `op` (no await per call: the raw baseline) */
function rateSync<T> (items: T[], minMs: number, op: (item: T) => unknown): number {
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  do {
    for (const item of items) op(item)
    ops += items.length
    elapsed = performance.now() - start
  } while (elapsed < minMs)
  return ops / (elapsed / 1000)
}

export async function runTokens (job: Pick<TokensJob, 'tokens' | 'minMs' | 'rounds'>): Promise<TokensResult> {
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name: 'bench', leaderKey })
  const subjects = await Promise.all(Array.from({ length: job.tokens }, async () => peerIdFromPrivateKey(await generateNodeKey())))
  const tokens = await Promise.all(subjects.map(async (subject) => ({
    subject,
    token: await issueNodeToken(leaderKey, { realm, subject, ttlSeconds: 86_400 })
  })))

  const leaderPublic = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), leaderKey.publicKey.raw]), format: 'der', type: 'spki' })
  const raw = tokens.map(({ token }) => {
    const [header = '', payload = '', signature = ''] = token.split('.')
    return { input: Buffer.from(`${header}.${payload}`, 'ascii'), signature: Buffer.from(signature, 'base64url') }
  })
  for (const r of raw) {
    if (!verify(null, r.input, leaderPublic, r.signature)) throw new Error('raw Ed25519 verify refused a token the leader signed')
  }

  const cache = new TokenCache({ maxEntries: Math.max(10_000, job.tokens * 2) })
  for (const { token, subject } of tokens) await verifyNodeToken(token, { realm, cache, expectedPeer: subject })

  const result: TokensResult = { tokens: job.tokens, raw: [], cold: [], cached: [], rawPerSecond: 0, coldPerSecond: 0, cachedPerSecond: 0 }
  for (let round = 0; round < job.rounds; round++) {
    result.raw.push(rateSync(raw, job.minMs, r => verify(null, r.input, leaderPublic, r.signature)))
    result.cold.push(await rate(tokens, job.minMs, async t => verifyNodeToken(t.token, { realm, expectedPeer: t.subject })))
    result.cached.push(await rate(tokens, job.minMs, async t => verifyNodeToken(t.token, { realm, cache, expectedPeer: t.subject })))
  }
  result.rawPerSecond = median(result.raw)
  result.coldPerSecond = median(result.cold)
  result.cachedPerSecond = median(result.cached)
  return result
}
