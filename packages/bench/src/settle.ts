/**
 * "Routing tables settled", one definition for realmesh and plain libp2p:
 *
 *   every node's routing table holds at least one peer, the mean table holds at least
 *   `settledMean` peers (the network runner asks for half of k, 10, or N - 1 when smaller), and
 *   no routing table in the network has changed (peer added or removed) for `quietMs` (2 s).
 *
 * The mean floor keeps a network from counting as settled in a quiet gap before its tables were
 * filled at all (plain kad-dht at N = 100 on a busy machine went quiet for 2 s with a mean table
 * of 2, while its bootstrap node was still flooded with the first self-lookups). It is a mean, not
 * a minimum: plain kad-dht leaves a few nodes with small tables for good (N = 25: mean 15, some
 * under 10, no change for minutes).
 *
 * The settle time is the moment of the last change before that quiet window (the window itself is
 * not counted). How full the tables are at that moment is measured separately (the share of each
 * node's true k closest peers it holds, src/kad.ts neighbourhoodQuality), because the two sides
 * fill them differently: plain kad-dht stops where its first self-lookup left it until the next
 * one (5 min later), realmesh keeps adding the closest members it hears of (UPDATE, NLIST).
 *
 * A quiet window must also be one in which the process ran: when the event loop went more than
 * quietMs / 4 without running a timer inside the window (a ticker every quietMs / 10 measures it),
 * the window starts again.
 *
 * Waiting is driven by the tables' own add/remove events; the only timers are the quiet window and
 * the time limit. A network that does not settle within `timeoutMs` is reported, not thrown. The
 * time limit is also checked on every change: hundreds of nodes on the memory transport deliver
 * in microtasks, and while they talk the process can go tens of seconds without running a timer
 * (200 realm nodes: a limit of 150 s fired at 217 s), so a timer alone would overrun it.
 */
import type { RoutingTableView } from './kad.js'

export interface SettleInit {
  /** `allReachedAt` is when every table held at least this many peers. @default 1 */
  minSize?: number
  /** settled needs the mean table to hold at least this many peers. @default minSize */
  settledMean?: number
  /** no change anywhere for this long. @default 2000 */
  quietMs?: number
  /** give up after this long (ms from the call) */
  timeoutMs: number
  /** the clock (ms). @default performance.now */
  now?: () => number
}

export interface SettleResult {
  settled: boolean
  /** clock time of the last routing-table change seen (when settled: the settle time) */
  lastChangeAt: number
  /** clock time at which the last table to do so reached `minSize` (undefined: some never did) */
  allReachedAt: number | undefined
  /** smallest and mean table size at the end */
  minSize: number
  meanSize: number
  /** tables below `minSize` at the end */
  below: number
  /** routing-table changes in the network during the 10 s before the result (how much it still churns) */
  recentChanges: number
}

export async function whenSettled (tables: RoutingTableView[], init: SettleInit): Promise<SettleResult> {
  const now = init.now ?? (() => performance.now())
  const quietMs = init.quietMs ?? 2_000
  const minSize = init.minSize ?? 1
  const settledMean = init.settledMean ?? minSize
  const startedAt = now()
  let lastChangeAt = startedAt
  const changes: number[] = []
  const reached = (): boolean => tables.every(t => t.size >= minSize)
  let allReachedAt = reached() ? lastChangeAt : undefined
  const snapshot = (settled: boolean): SettleResult => {
    const sizes = tables.map(t => t.size)
    return {
      settled,
      lastChangeAt,
      allReachedAt,
      minSize: sizes.length === 0 ? 0 : Math.min(...sizes),
      meanSize: sizes.length === 0 ? 0 : sizes.reduce((a, b) => a + b, 0) / sizes.length,
      below: sizes.filter(s => s < minSize).length,
      recentChanges: changes.filter(t => t >= now() - 10_000).length
    }
  }
  return new Promise<SettleResult>((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined
    const stops: Array<() => void> = []
    const finish = (settled: boolean): void => {
      clearTimeout(quiet)
      clearInterval(ticker)
      clearTimeout(deadline)
      for (const stop of stops) stop()
      resolve(snapshot(settled))
    }
    // the event loop's longest gap in the current quiet window, from a ticker: a window in which
    // the process stalled is not quiet, since timers (dials, retries, keepalives) could not run
    // in it and so the tables could not change (200 realm nodes in one process "settled" at 37 s,
    // mean table 17, right after a 40 s stall; 50 at 9 s, mean 16, after stalls of seconds)
    const tickMs = Math.max(1, quietMs / 10)
    const maxGapMs = quietMs / 4
    let lastTick = now()
    let windowGap = 0
    const tick = (): void => {
      const t = now()
      windowGap = Math.max(windowGap, t - lastTick)
      lastTick = t
    }
    const ticker = setInterval(tick, tickMs)
    const armQuiet = (): void => {
      clearTimeout(quiet)
      lastTick = now()
      windowGap = 0
      quiet = setTimeout(() => {
        tick()
        if (windowGap > maxGapMs) {
          armQuiet()
          return
        }
        // quiet long enough: settled if every table is full enough, else wait for the next change
        if (reached() && tables.reduce((sum, t) => sum + t.size, 0) >= settledMean * tables.length) finish(true)
      }, quietMs)
    }
    const onChange = (): void => {
      lastChangeAt = now()
      changes.push(lastChangeAt)
      if (changes.length > 10_000) changes.splice(0, changes.length - 10_000)
      if (allReachedAt == null && reached()) allReachedAt = lastChangeAt
      if (lastChangeAt - startedAt >= init.timeoutMs) {
        finish(false)
        return
      }
      armQuiet()
    }
    const deadline = setTimeout(() => { finish(false) }, init.timeoutMs)
    for (const table of tables) stops.push(table.onChange(onChange))
    armQuiet()
  })
}
