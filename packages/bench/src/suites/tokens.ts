/** Suite 4, token verification: verifies per second on one core, cold and cached, vs raw Ed25519. */
import { failureOf, notes, resultOf, row } from './suite.js'
import type { TokensJob } from '../jobs.js'
import type { BenchConfig } from '../config.js'
import type { TokensResult } from '../runners/tokens.js'
import type { Suite } from './suite.js'

function tokensJob (config: BenchConfig): TokensJob {
  return { kind: 'tokens', ...config.tokens }
}

export const tokensSuite: Suite = {
  name: 'tokens',
  title: 'Token verification',
  describe: 'One process, one core, rounds interleaved (raw, cold, cached), each figure the median round. Raw: node:crypto verify(null, signingInput, key, signature) on the same tokens, inputs decoded and the KeyObject built beforehand: the physical limit. Cold: verifyNodeToken(token, { realm, expectedPeer }) without a cache (every check and one Ed25519 verify). Cached: the same with a TokenCache holding every token. Distinct node tokens signed by one realm leader.',
  jobs: (config) => [tokensJob(config)],
  rows: (ctx) => {
    const outcome = ctx.outcome(tokensJob(ctx.config))
    const result = resultOf<TokensResult>(outcome)
    const note = notes(failureOf(outcome, 'tokens'), result != null && `${result.tokens} distinct tokens`)
    return [
      row({ suite: 'tokens', name: 'token verification: cold (no cache) vs raw Ed25519 verify', unit: 'verifies/s', ours: result?.coldPerSecond ?? null, baseline: result?.rawPerSecond ?? null, betterIs: 'higher', n: 1, target: 0.8, note }),
      row({ suite: 'tokens', name: 'token verification: cached vs raw Ed25519 verify', unit: 'verifies/s', ours: result?.cachedPerSecond ?? null, baseline: result?.rawPerSecond ?? null, betterIs: 'higher', n: 1, target: 10, note })
    ]
  }
}
