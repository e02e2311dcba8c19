/** The leader daemon's lines about token requests: pending, issued, denied, cancelled, and address bans. */
import type { CancelReason, LeaderService } from '@realmesh/leader'
import type { Logger } from '../log/logger.js'

const CANCELLED: Record<CancelReason, string> = {
  cancelled: 'withdrawn by its node',
  gone: 'its node stopped asking (stopped, killed or gone)',
  expired: 'undecided too long'
}

export function logLeaderService (service: LeaderService, dir: string, log: Logger): () => void {
  const onPending = (evt: CustomEvent<{ id: string, kind: string, peer: string }>): void => {
    const { id, kind, peer } = evt.detail
    log.info('request.pending', `pending request ${id} from ${peer}${kind === 'deferred' ? ' (a deferred join)' : ''}: approve with \`realmesh leader approve ${id} --dir ${dir}\``, { id, kind, peer })
  }
  const onIssued = (evt: CustomEvent<{ peer: string, jti: string, how: string, node?: string }>): void => {
    const { peer, jti, how, node } = evt.detail
    log.info('token.issued', node === undefined ? `token issued to ${peer} (${how}, jti ${jti})` : `identity token issued to ${peer} on node ${node} (${how}, jti ${jti})`, { peer, jti, how, node })
  }
  const onDenied = (evt: CustomEvent<{ peer: string, code: string }>): void => {
    log.info('request.denied', `request from ${evt.detail.peer} denied: ${evt.detail.code}`, { peer: evt.detail.peer, code: evt.detail.code })
  }
  const onCancelled = (evt: CustomEvent<{ id: string, peer: string, why: CancelReason }>): void => {
    const { id, peer, why } = evt.detail
    log.info('request.cancelled', `request ${id} from ${peer} cancelled: ${CANCELLED[why]}`, { id, peer, why })
  }
  const onBanned = (evt: CustomEvent<{ address: string, until: number, peers: string[] }>): void => {
    const { address, until, peers } = evt.detail
    log.warn('address.banned', `address ${address} banned until ${new Date(until).toISOString()}: wrong join proofs from ${peers.length} peer(s)`, { address, until: new Date(until).toISOString(), peers })
  }
  const onStateError = (evt: CustomEvent<Error>): void => {
    log.warn('leader.state-error', `warning: leader state not saved: ${evt.detail.message}`, { error: evt.detail.message })
  }
  service.addEventListener('request:pending', onPending)
  service.addEventListener('token:issued', onIssued)
  service.addEventListener('request:denied', onDenied)
  service.addEventListener('state:error', onStateError)
  service.addEventListener('request:cancelled', onCancelled)
  service.addEventListener('address:banned', onBanned)
  return () => {
    service.removeEventListener('request:cancelled', onCancelled)
    service.removeEventListener('address:banned', onBanned)
    service.removeEventListener('request:pending', onPending)
    service.removeEventListener('token:issued', onIssued)
    service.removeEventListener('request:denied', onDenied)
    service.removeEventListener('state:error', onStateError)
  }
}
