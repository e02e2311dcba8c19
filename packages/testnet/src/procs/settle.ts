/**
 * "Settled" for a realm spread over processes (issue 23 item 8's rule): every node runs and has
 * joined, every routing table holds a peer, and no routing table anywhere changed for `quietMs`.
 *
 * Each worker reports every `reportMs` when its tables last changed and the longest its event
 * loop stalled since its last report. A quiet window must be one in which every worker ran: a
 * stall longer than quietMs / 4 (timers, dials and keepalives could not run in it, so the tables
 * could not change), or a worker silent for longer than reportMs + quietMs / 4, starts the window
 * again, as the in-process bench does (packages/bench/src/settle.ts). Clocks are the machine's
 * (Date.now in every process).
 *
 * The settle time is the last change before the quiet window (the window is not counted).
 */
import { TestnetError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { Report } from './protocol.js'

export interface SettleSource {
  /** the workers running now, each with its latest report (undefined before the first) */
  workers: () => Array<{ name: string, report: Report | undefined, reportAt: number, spawnedAt: number }>
  /** calls `listener` on any worker's report; returns a function that stops it */
  onReport: (listener: () => void) => () => void
  /** nodes that should be running (the leader included) */
  expected: () => number
  /** why the wait cannot end well (a worker died without being asked to), if it cannot. @default never */
  failed?: () => Error | undefined
}

export interface SettleOptions extends AbortOptions {
  /** no change anywhere for this long (ms). @default 30000 */
  quietMs?: number
  /** give up after this long (ms) */
  timeoutMs: number
  /** how often workers report (ms) */
  reportMs: number
  /** called on every report with the state so far (for a progress line) */
  onProgress?: (state: SettleState) => void
}

export interface SettleState {
  settled: boolean
  /** Date.now() of the last routing-table change seen anywhere (or stall, or worker start) */
  lastChangeAt: number
  /** nodes running, and joined, over all workers */
  running: number
  joined: number
  /** smallest and mean routing table */
  minTable: number
  meanTable: number
  /** routing-table changes reported in all (since the workers started) */
  changes: number
  /** the longest gap between a worker's timer ticks in the latest reports, ms (how far its event loop lags) */
  maxLoopGapMs: number
}

export async function whenQuiet (source: SettleSource, options: SettleOptions): Promise<SettleState> {
  const quietMs = options.quietMs ?? 30_000
  const maxGapMs = quietMs / 4
  const maxSilenceMs = options.reportMs + quietMs / 4
  const startedAt = Date.now()
  // per worker (by name): when it last stalled or went silent, as seen here
  const stalls = new Map<string, number>()
  const state = (): SettleState => {
    const now = Date.now()
    let lastChangeAt = 0
    let running = 0
    let joined = 0
    let minTable = Number.POSITIVE_INFINITY
    let sumTable = 0
    let changes = 0
    let maxLoopGapMs = 0
    for (const w of source.workers()) {
      const report = w.report
      if (report == null || report.maxGapMs > maxGapMs) stalls.set(w.name, w.report == null ? now : w.reportAt)
      if (now - Math.max(w.reportAt, w.spawnedAt) > maxSilenceMs) stalls.set(w.name, now)
      lastChangeAt = Math.max(lastChangeAt, w.spawnedAt, report?.lastChangeAt ?? 0, stalls.get(w.name) ?? 0)
      running += report?.running ?? 0
      joined += report?.joined ?? 0
      if ((report?.running ?? 0) > 0) minTable = Math.min(minTable, report?.minTable ?? 0)
      sumTable += report?.sumTable ?? 0
      changes += report?.changes ?? 0
      maxLoopGapMs = Math.max(maxLoopGapMs, report?.maxGapMs ?? 0)
    }
    const complete = running === source.expected() && joined === running && minTable >= 1
    return {
      settled: complete && now - lastChangeAt >= quietMs,
      lastChangeAt,
      running,
      joined,
      minTable: Number.isFinite(minTable) ? minTable : 0,
      meanTable: running === 0 ? 0 : sumTable / running,
      changes,
      maxLoopGapMs
    }
  }
  return new Promise<SettleState>((resolve, reject) => {
    const check = (): void => {
      const failure = source.failed?.()
      if (failure != null) {
        cleanup()
        reject(failure)
        return
      }
      const now = state()
      options.onProgress?.(now)
      if (now.settled) finish(now)
      else if (Date.now() - startedAt >= options.timeoutMs) finish(now)
    }
    const finish = (result: SettleState): void => {
      cleanup()
      resolve(result)
    }
    const onAbort = (): void => {
      cleanup()
      reject(options.signal?.reason ?? new TestnetError('TESTNET_ABORTED', 'aborted'))
    }
    // reports drive the checks; the ticker covers workers that went silent
    const ticker = setInterval(check, options.reportMs)
    const stop = source.onReport(check)
    const cleanup = (): void => {
      clearInterval(ticker)
      stop()
      options.signal?.removeEventListener('abort', onAbort)
    }
    if (options.signal?.aborted === true) {
      onAbort()
      return
    }
    options.signal?.addEventListener('abort', onAbort)
    check()
  })
}
