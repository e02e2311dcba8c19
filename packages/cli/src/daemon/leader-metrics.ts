/**
 * The leader service's figures on the daemon's metrics registry, beside the node's: tokens issued
 * (by how and kind), token requests that waited for the operator, denied (by code), cancelled (by
 * why), source addresses banned for wrong join proofs, and the requests waiting now. Every label
 * takes values from a fixed set (codes through codeLabel), never a peer id or an address.
 */
import { Counter, Gauge } from 'prom-client'
import { codeLabel } from '@realmesh/node'
import type { Registry } from 'prom-client'
import type { CancelReason, LeaderService } from '@realmesh/leader'

const HOWS = new Set(['auto', 'manual', 'offline', 'renewal', 'replacement', 'invitation'])
const NAME = {
  issued: 'realmesh_leader_tokens_issued_total',
  pending: 'realmesh_leader_requests_pending_total',
  denied: 'realmesh_leader_requests_denied_total',
  cancelled: 'realmesh_leader_requests_cancelled_total',
  banned: 'realmesh_leader_address_bans_total',
  waiting: 'realmesh_leader_requests_waiting'
} as const

/** registers the leader's metrics on `registry` and counts its events; returns what stops it */
export function leaderMetrics (service: LeaderService, registry: Registry): () => void {
  const registers = [registry]
  const issued = new Counter({ name: NAME.issued, help: 'tokens the leader issued, by how (auto, manual, renewal, ...) and kind (node, identity)', labelNames: ['how', 'kind'], registers })
  const pending = new Counter({ name: NAME.pending, help: 'token requests that waited for the operator', registers })
  const denied = new Counter({ name: NAME.denied, help: 'token requests denied, by code', labelNames: ['code'], registers })
  const cancelled = new Counter({ name: NAME.cancelled, help: 'waiting requests that ended undecided, by why (cancelled, gone, expired)', labelNames: ['why'], registers })
  const banned = new Counter({ name: NAME.banned, help: 'source addresses banned for wrong join proofs', registers })
  // read when scraped: nothing to keep in step
  registry.registerMetric(new Gauge({ name: NAME.waiting, help: 'token requests waiting for the operator now', registers: [], collect () { this.set(service.pending().length) } }))

  const onIssued = (evt: CustomEvent<{ how: string, kind: 'node' | 'identity' }>): void => {
    issued.inc({ how: HOWS.has(evt.detail.how) ? evt.detail.how : 'other', kind: evt.detail.kind === 'identity' ? 'identity' : 'node' })
  }
  const onPending = (): void => { pending.inc() }
  const onDenied = (evt: CustomEvent<{ code: string }>): void => { denied.inc({ code: codeLabel(evt.detail.code) }) }
  const onCancelled = (evt: CustomEvent<{ why: CancelReason }>): void => { cancelled.inc({ why: evt.detail.why }) }
  const onBanned = (): void => { banned.inc() }
  service.addEventListener('token:issued', onIssued)
  service.addEventListener('request:pending', onPending)
  service.addEventListener('request:denied', onDenied)
  service.addEventListener('request:cancelled', onCancelled)
  service.addEventListener('address:banned', onBanned)
  return () => {
    service.removeEventListener('token:issued', onIssued)
    service.removeEventListener('request:pending', onPending)
    service.removeEventListener('request:denied', onDenied)
    service.removeEventListener('request:cancelled', onCancelled)
    service.removeEventListener('address:banned', onBanned)
    for (const name of Object.values(NAME)) registry.removeSingleMetric(name)
  }
}
