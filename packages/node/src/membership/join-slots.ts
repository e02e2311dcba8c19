/**
 * Joins with learnt peers in flight in this process, over every realm node it runs (a testnet,
 * a simulation, a bench run many nodes on one event loop; a daemon runs one). Each node has its
 * own bound as well (GrowthInit.maxPendingJoins); this one keeps a process of many nodes from
 * starting more handshakes than its one loop can carry.
 *
 * Why: a join is a TCP connect, a Noise handshake, multistream negotiations, the realm handshake
 * and the join, about eight messages each waiting for an event loop at one end or the other. When
 * the loop lags by seconds, a join takes longer than libp2p's 6 s per-address dial timeout and
 * fails after costing both ends the handshake's CPU, and the next attempt waits a backoff. Measured
 * (`realmesh testnet --nodes 1000 --processes 8` on 2 cores, 125 nodes a process with 1 join in
 * flight each while lagging): 15,000 Noise handshakes per process timed out in the first 4 min
 * against 900 joins made, the loops lagging 2 s; tables grew by 40 entries a second.
 *
 * Waiting nodes are woken in turn (first come, first woken) as slots free up; a waiter that finds
 * nothing to do any more (its records were joined otherwise, it stopped) just returns.
 */

/**
 * How many at once: a congestion window, as TCP keeps one. Each join that succeeds adds 1/window
 * (one more per window's worth of joins); a join that timed out halves it, once for the joins
 * that were in flight together (a timeout of a join taken before the last halving does not halve
 * it again: in a realm of 1,000 half the joins timed out while it grew, at the remote end as
 * often as here, and halving on each kept the window at 1); it starts at INITIAL_WINDOW and stays
 * within [1, MAX_WINDOW]. A fixed bound by loop lag was tried first: at
 * 4 joins a process past 250 ms of lag the realm of 1,000 grew by 60 table entries a second with
 * few timeouts; joins, not CPU, were then the bottleneck.
 */
const INITIAL_WINDOW = 4
const MAX_WINDOW = 32

/** a loop-delay reading is kept this long (it walks the loop monitor's windows), ms */
const LAG_CACHE_MS = 250

export interface JoinSlotsInit {
  /** the event loop's worst delay lately, ms (read for Growth's own bound per node) */
  loopDelayMs: () => number
}

/** how a join that held a slot ended: a timeout says the process (or the peer) is overloaded */
export type JoinEnd = 'joined' | 'timed-out' | 'failed'

export class JoinSlots {
  private inFlight = 0
  /** nodes waiting for a slot: each is called when one frees, and takes what it needs */
  private readonly waiting = new Set<() => void>()
  private readonly loopDelayMs: () => number
  private lag = 0
  private lagAt = Number.NEGATIVE_INFINITY
  private window = INITIAL_WINDOW
  /** counts the halvings: a slot remembers the one it was taken in */
  private epoch = 0

  constructor (init: JoinSlotsInit) {
    this.loopDelayMs = init.loopDelayMs
  }

  /** the most joins in flight now */
  limit (): number {
    return Math.floor(this.window)
  }

  /** the worst loop delay lately, ms, read at most every LAG_CACHE_MS */
  get loopDelay (): number {
    const now = performance.now()
    if (now - this.lagAt > LAG_CACHE_MS) {
      this.lag = this.loopDelayMs()
      this.lagAt = now
    }
    return this.lag
  }

  /** takes a slot if one is free: the slot's ticket for release(), or undefined */
  tryTake (): number | undefined {
    if (this.inFlight >= this.limit()) return undefined
    this.inFlight++
    return this.epoch
  }

  /**
   * gives a slot back (`ticket`: what tryTake gave; the window grows or shrinks by how the join
   * ended) and wakes the longest waiters
   */
  release (ticket: number, end: JoinEnd = 'failed'): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
    if (end === 'joined') {
      this.window = Math.min(MAX_WINDOW, this.window + 1 / this.window)
    } else if (end === 'timed-out' && ticket === this.epoch) {
      this.window = Math.max(1, this.window / 2)
      this.epoch++
    }
    for (const wake of this.waiting) {
      if (this.inFlight >= this.limit()) return
      this.waiting.delete(wake)
      wake()
    }
  }

  /** `wake` is called (once) when a slot frees; waiting again while waiting is one wait */
  wait (wake: () => void): void {
    this.waiting.add(wake)
  }

  /** a node that stops waits no more */
  cancel (wake: () => void): void {
    this.waiting.delete(wake)
  }

  /** joins in flight, nodes waiting, and the window (for tests and status) */
  get state (): { inFlight: number, waiting: number, window: number } {
    return { inFlight: this.inFlight, waiting: this.waiting.size, window: this.window }
  }
}
