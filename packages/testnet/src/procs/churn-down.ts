/**
 * Figures of the churn run's second form (the subscribers among the churned): what became of the
 * messages published while a subscriber was down, and how soon a restarted subscriber was back.
 * A subscriber is down from its worker's SIGKILL until its durable subscription is registered
 * again in the next run (or, when that never came, until its node started again).
 */
import { mean } from './figures.js'
import type { DurableRead } from './protocol.js'

/** one acked publish of the run: its number, when publish() was called (Date.now), and how it ended */
export interface Published {
  seq: number
  at: number
  /** `status` or `status:code` (e.g. `expired:RECEIVER_GONE`); undefined while it is not settled */
  outcome?: string
}

/** one SIGKILL and restart of a subscriber */
export interface Down {
  pair: number
  killedAt: number
  /** when its worker was started again (the window's end when the run after it could not be read) */
  restartedAt: number
  /** what its consumer held in the run after the restart (startedAt, registeredAt, arrivals) */
  read?: DurableRead
}

export interface DownFigures {
  restarts: number
  /** messages published while a subscriber was down, by outcome */
  whileDown: { published: number, outcomes: Record<string, number> }
  /** ms from a subscriber's restart (its node starting again) until its durable subscription was registered again; `missing`: never */
  registerMs: { mean: number | null, max: number | null, missing: number }
  /** ms from a subscriber's restart until the first message published while it was down was stored; `none`: none of them came */
  firstWaitingMs: { mean: number | null, max: number | null, none: number }
  perRestart: Array<{ pair: number, downMs: number | null, registerMs: number | null, firstWaitingMs: number | null, publishedWhileDown: number, delivered: number }>
}

export function downFigures (downs: Down[], published: Published[][]): DownFigures {
  const outcomes: Record<string, number> = {}
  let total = 0
  const perRestart = downs.map((down) => {
    const read = down.read
    const upAt = read?.registeredAt ?? read?.startedAt ?? down.restartedAt
    const during = (published[down.pair] ?? []).filter(m => m.at >= down.killedAt && m.at < upAt)
    for (const m of during) {
      const key = m.outcome ?? 'unsettled'
      outcomes[key] = (outcomes[key] ?? 0) + 1
    }
    total += during.length
    const waiting = new Set(during.map(m => m.seq))
    const firstAt = Math.min(...(read?.arrivals ?? []).filter(([seq]) => waiting.has(seq)).map(([, at]) => at))
    return {
      pair: down.pair,
      downMs: read == null ? null : read.startedAt - down.killedAt,
      registerMs: read?.registeredAt == null ? null : read.registeredAt - read.startedAt,
      firstWaitingMs: read == null || !Number.isFinite(firstAt) ? null : firstAt - read.startedAt,
      publishedWhileDown: during.length,
      delivered: during.filter(m => m.outcome === 'delivered').length
    }
  })
  const registered = perRestart.flatMap(r => r.registerMs == null ? [] : [r.registerMs])
  const first = perRestart.flatMap(r => r.firstWaitingMs == null ? [] : [r.firstWaitingMs])
  return {
    restarts: downs.length,
    whileDown: { published: total, outcomes },
    registerMs: { mean: mean(registered), max: registered.length === 0 ? null : Math.max(...registered), missing: perRestart.length - registered.length },
    firstWaitingMs: { mean: mean(first), max: first.length === 0 ? null : Math.max(...first), none: perRestart.length - first.length },
    perRestart
  }
}
