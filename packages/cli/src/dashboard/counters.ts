/**
 * The running totals the dashboard's rates are computed from: the node's own message counters
 * (messageStats) and counts of its events since the daemon started (refusals, bans, members coming
 * and going, matches), and on the leader its token requests. Read by the rate ring every few
 * seconds; the listeners go when `stop` is called.
 */
import { listen } from '../daemon/node-events.js'
import type { LeaderService } from '@realmesh/leader'
import type { RealmNode } from '@realmesh/node'

/** what the page and `top` chart, in this order; the leader's three only on the leader */
export const COUNTERS = ['delivered', 'rejected', 'duplicates', 'resent', 'refused', 'banned', 'joined', 'left', 'matched', 'requests', 'issued', 'denied'] as const
export type CounterName = typeof COUNTERS[number]
export type Totals = Partial<Record<CounterName, number>>

export interface Counters {
  totals: () => Totals
  stop: () => void
}

export function watchCounters (node: RealmNode, leader?: LeaderService): Counters {
  const events = { refused: 0, banned: 0, joined: 0, left: 0, matched: 0 }
  const requests = { requests: 0, issued: 0, denied: 0 }
  const off = [listen(node, {
    // both ways: a peer this node refused, and a peer that refused this node
    'join:refused': () => { events.refused++ },
    'peer:banned': () => { events.banned++ },
    'peer:joined': () => { events.joined++ },
    'peer:left': () => { events.left++ },
    'subject:matched': () => { events.matched++ }
  })]
  if (leader != null) {
    const onPending = (): void => { requests.requests++ }
    const onIssued = (): void => { requests.issued++ }
    const onDenied = (): void => { requests.denied++ }
    leader.addEventListener('request:pending', onPending)
    leader.addEventListener('token:issued', onIssued)
    leader.addEventListener('request:denied', onDenied)
    off.push(() => {
      leader.removeEventListener('request:pending', onPending)
      leader.removeEventListener('token:issued', onIssued)
      leader.removeEventListener('request:denied', onDenied)
    })
  }
  return {
    totals: () => {
      const { delivered, rejected, duplicates, resent } = node.messageStats()
      return { delivered, rejected, duplicates, resent, ...events, ...(leader == null ? {} : requests) }
    },
    stop: () => { for (const remove of off) remove() }
  }
}
