/**
 * Rates over the last minutes, from running totals: a fixed ring of samples (the totals and when
 * they were read), one every `intervalMs`, the oldest dropped past `size`. A rate is the rise of a
 * total between two samples over the time between them, per second. The timer is unref'd and
 * stopped by `stop`; memory is `size` samples whatever the traffic.
 */
import type { Totals } from './counters.js'

/** 2 s x 150 = the last 5 minutes */
export const RATE_DEFAULTS = { intervalMs: 2_000, size: 150 } as const

export interface RateSeries {
  /** the end of each interval, seconds since the epoch (uPlot's x axis) */
  t: number[]
  /** per counter, events per second in each interval */
  series: Record<string, number[]>
}

interface Sample { at: number, totals: Totals }

export class RateRing {
  readonly intervalMs: number
  private readonly size: number
  private readonly read: () => Totals
  private readonly now: () => number
  private readonly samples: Sample[] = []
  private timer: ReturnType<typeof setInterval> | undefined

  constructor (read: () => Totals, init: { intervalMs?: number, size?: number, now?: () => number } = {}) {
    this.read = read
    this.intervalMs = init.intervalMs ?? RATE_DEFAULTS.intervalMs
    this.size = init.size ?? RATE_DEFAULTS.size
    this.now = init.now ?? Date.now
    if (!Number.isInteger(this.size) || this.size < 2) throw new RangeError('a rate ring holds at least 2 samples')
  }

  start (): void {
    if (this.timer != null) return
    this.sample()
    this.timer = setInterval(() => { this.sample() }, this.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** reads the totals now into the ring */
  sample (): void {
    this.samples.push({ at: this.now(), totals: this.read() })
    if (this.samples.length > this.size) this.samples.shift()
  }

  /** the totals as last read */
  latest (): Totals {
    return this.samples.at(-1)?.totals ?? {}
  }

  /** a rate per interval between consecutive samples, for every counter the samples have */
  rates (): RateSeries {
    const t: number[] = []
    const series: Record<string, number[]> = {}
    const names = Object.keys(this.latest())
    for (const name of names) series[name] = []
    for (let i = 1; i < this.samples.length; i++) {
      const before = this.samples[i - 1] as Sample
      const after = this.samples[i] as Sample
      t.push(after.at / 1000)
      for (const name of names) series[name]?.push(rise(before, after, name))
    }
    return { t, series }
  }
}

/** events per second between two samples (a total that went down, a counter reset, counts as 0) */
function rise (before: Sample, after: Sample, name: string): number {
  const seconds = (after.at - before.at) / 1000
  const delta = (after.totals[name as keyof Totals] ?? 0) - (before.totals[name as keyof Totals] ?? 0)
  return seconds <= 0 || delta <= 0 ? 0 : Math.round(delta / seconds * 100) / 100
}
