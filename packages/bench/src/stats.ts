/**
 * Percentiles, summaries, ratios and target verdicts. A ratio is always ours / baseline; whether
 * that is good depends on `betterIs` (latency and memory: lower; rates: higher).
 */

export type BetterIs = 'lower' | 'higher'

/**
 * the p-th percentile (0..100) of `samples`, linearly interpolated between ranks; NaN when empty.
 * Samples may be Infinity (an operation that never finished): a percentile that reaches them is
 * Infinity.
 */
export function percentile (samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  if (p < 0 || p > 100 || Number.isNaN(p)) throw new RangeError(`percentile must be within 0..100, got ${p}`)
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  const a = sorted[low] ?? Number.NaN
  const b = sorted[high] ?? Number.NaN
  // exact ranks and equal neighbours need no interpolation (and Infinity - Infinity would be NaN)
  if (low === high || a === b) return a
  return a + (b - a) * (rank - low)
}

export function mean (samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  return samples.reduce((sum, x) => sum + x, 0) / samples.length
}

export function median (samples: readonly number[]): number {
  return percentile(samples, 50)
}

export interface Summary {
  n: number
  min: number
  mean: number
  p50: number
  p90: number
  p99: number
  max: number
}

export function summarize (samples: readonly number[]): Summary {
  return {
    n: samples.length,
    min: samples.length === 0 ? Number.NaN : Math.min(...samples),
    mean: mean(samples),
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: samples.length === 0 ? Number.NaN : Math.max(...samples)
  }
}

/** ours / baseline; null when either is missing, not finite, or the baseline is 0 */
export function ratio (ours: number | null, baseline: number | null): number | null {
  if (ours == null || baseline == null || !Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return null
  return ours / baseline
}

/** true when ours is at least as good as the baseline, in the direction that counts */
export function atLeastAsGood (r: number, betterIs: BetterIs): boolean {
  return betterIs === 'lower' ? r <= 1 : r >= 1
}

/**
 * A target is a ratio bound in the row's better direction: for `lower` rows it is a ceiling
 * (ratio <= target), for `higher` rows a floor (ratio >= target).
 */
export function meetsTarget (r: number | null, betterIs: BetterIs, target: number): boolean | null {
  if (r == null) return null
  return betterIs === 'lower' ? r <= target : r >= target
}

/** "1.23x" style; `-` for null */
export function formatRatio (r: number | null): string {
  return r == null ? '-' : `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`
}

/** a value with about 3 significant digits; `-` for null or NaN */
export function formatValue (value: number | null): string {
  if (value == null || !Number.isFinite(value)) return '-'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 100) return value.toFixed(0)
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 1) return value.toFixed(2)
  if (abs === 0) return '0'
  return value.toPrecision(2)
}

/** null for NaN / infinite, so JSON never holds them */
export function finiteOrNull (value: number | null | undefined): number | null {
  return value == null || !Number.isFinite(value) ? null : value
}
