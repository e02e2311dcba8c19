/**
 * What a suite is: the jobs it needs, and how it turns their outcomes into result rows (realmesh,
 * the baseline, the ratio) and charts. Suites never fail a run: a job that failed or timed out
 * becomes rows with no value and a note saying why.
 */
import type { BenchConfig } from '../config.js'
import type { Job, JobOutcome } from '../jobs.js'
import { ratio } from '../stats.js'
import type { BetterIs } from '../stats.js'

export type SuiteName = 'join' | 'lookup' | 'messages' | 'tokens' | 'memory' | 'growth' | 'metrics' | 'tunnels' | 'hosts'
export const SUITE_NAMES: readonly SuiteName[] = ['join', 'lookup', 'messages', 'tokens', 'memory', 'growth', 'metrics', 'tunnels', 'hosts']

export interface Row {
  suite: SuiteName
  name: string
  unit: string
  /** realmesh's figure; null when it could not be measured (see note) */
  ours: number | null
  baseline: number | null
  /** ours / baseline */
  ratio: number | null
  betterIs: BetterIs
  /** nodes in the measured network (1: a single process, no network) */
  n: number
  /** the target for the ratio, in the row's better direction */
  target?: number
  note?: string
}

export interface Series {
  label: string
  /** [x, y] points of a line chart */
  points?: Array<[number, number]>
  /** raw samples of a distribution chart */
  samples?: number[]
  dashed?: boolean
}

export interface Chart {
  /** file name in the output directory */
  file: string
  kind: 'line' | 'cdf'
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
}

export interface SuiteContext {
  config: BenchConfig
  /** the outcome of a job this suite asked for */
  outcome(job: Job): JobOutcome | undefined
}

export interface Suite {
  name: SuiteName
  title: string
  /** one paragraph: what is measured on each side */
  describe: string
  /** run only when named (`--only`): not part of a full run (it needs what not every machine has) */
  optIn?: boolean
  jobs(config: BenchConfig): Job[]
  rows(ctx: SuiteContext): Row[]
  charts?(ctx: SuiteContext): Chart[]
}

/** a row from two figures (either may be missing), with the ratio filled in */
export function row (init: Omit<Row, 'ratio'>): Row {
  return { ...init, ratio: ratio(init.ours, init.baseline) }
}

/** the result of a job when it succeeded, else undefined */
export function resultOf<R> (outcome: JobOutcome | undefined): R | undefined {
  return outcome?.ok === true ? outcome.result as R : undefined
}

/** why a job has no result ('' when it has one) */
export function failureOf (outcome: JobOutcome | undefined, label: string): string {
  if (outcome == null) return `${label}: not run`
  if (outcome.ok) return ''
  return `${label}: ${outcome.error.split('\n')[0] ?? 'failed'}`
}

/** notes joined with '; ', empty ones dropped (undefined when none) */
export function notes (...parts: Array<string | undefined | false>): string | undefined {
  const kept = parts.filter((p): p is string => typeof p === 'string' && p !== '')
  return kept.length === 0 ? undefined : kept.join('; ')
}
