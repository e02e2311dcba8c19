/** Reading the network jobs' results, shared by the join, lookup, memory and growth suites. */
import { networkJob } from '../config.js'
import { percentile, mean } from '../stats.js'
import { failureOf, resultOf } from './suite.js'
import type { SuiteContext } from './suite.js'
import type { NetworkResult } from '../runners/network.js'
import type { Side } from '../jobs.js'
import { LOOKUP_TIMEOUT_MS } from '../runners/network.js'

export interface SideResult {
  result: NetworkResult | undefined
  /** why there is no result ('' when there is one) */
  failure: string
}

export function networkResult (ctx: SuiteContext, side: Side, n: number): SideResult {
  const outcome = ctx.outcome(networkJob(ctx.config, side, n))
  return { result: resultOf<NetworkResult>(outcome), failure: failureOf(outcome, side) }
}

export const MIB = 1024 * 1024

/**
 * lookup latency percentile (ms). Failed lookups (timed out after 15 s, or threw) count as slower
 * than every success, so failures push the percentiles up instead of vanishing from them; a
 * percentile that lands on a failure is null (not measurable), and the note says how many failed.
 */
export function lookupPercentile (r: NetworkResult | undefined, p: number): number | null {
  if (r == null || r.lookups.ms.length + r.lookups.failures === 0) return null
  const value = percentile([...r.lookups.ms, ...Array<number>(r.lookups.failures).fill(Number.POSITIVE_INFINITY)], p)
  return Number.isFinite(value) ? value : null
}

export function lookupMean (r: NetworkResult | undefined, of: 'hops' | 'queries'): number | null {
  if (r == null || r.lookups[of].length === 0) return null
  return mean(r.lookups[of])
}

/** a short note on what went wrong in a network run, or '' */
export function lookupTrouble (side: Side, r: NetworkResult | undefined): string {
  if (r == null) return ''
  const parts: string[] = []
  const total = r.lookups.failures + r.lookups.ms.length
  if (r.lookups.failures > 0) parts.push(`${r.lookups.failures} of ${total} lookups failed or timed out after ${LOOKUP_TIMEOUT_MS / 1000} s${r.lookups.errors[0] == null ? '' : ` (${r.lookups.errors[0]})`}, counted as slower than any success`)
  else if (total === 0) parts.push('no lookup finished in the time given')
  else if (total < 20) parts.push(`only ${total} lookups fit in the time given`)
  if (!r.join.settled) parts.push('measured on a network whose routing tables had not settled')
  return parts.length === 0 ? '' : `${side}: ${parts.join(', ')}`
}

export function settleTrouble (side: Side, r: NetworkResult | undefined, timeoutMs: number): string {
  if (r == null || r.join.settled) return ''
  return `${side}: routing tables still changing ${Math.round(timeoutMs / 1000)} s after the first node started (${r.join.recentChanges} changes in the last 10 s; event loop stalled up to ${(r.join.loopDelayMax / 1000).toFixed(1)} s)`
}
