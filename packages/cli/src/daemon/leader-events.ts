/** The leader daemon's lines about token requests: pending, issued, denied, cancelled, and address bans. */
import type { CancelReason, LeaderService } from '@realmesh/leader'
import type { Io } from '../io.js'

const CANCELLED: Record<CancelReason, string> = {
  cancelled: 'withdrawn by its node',
  gone: 'its node stopped asking (stopped, killed or gone)',
  expired: 'undecided too long'
}

export function logLeaderService (service: LeaderService, dir: string, io: Io): () => void {
  const onPending = (evt: CustomEvent<{ id: string, kind: string, peer: string }>): void => {
    const { id, kind, peer } = evt.detail
    io.err(`pending request ${id} from ${peer}${kind === 'deferred' ? ' (a deferred join)' : ''}: approve with \`realmesh leader approve ${id} --dir ${dir}\``)
  }
  const onIssued = (evt: CustomEvent<{ peer: string, jti: string, how: string, node?: string }>): void => {
    const { peer, jti, how, node } = evt.detail
    io.err(node === undefined ? `token issued to ${peer} (${how}, jti ${jti})` : `identity token issued to ${peer} on node ${node} (${how}, jti ${jti})`)
  }
  const onDenied = (evt: CustomEvent<{ peer: string, code: string }>): void => {
    io.err(`request from ${evt.detail.peer} denied: ${evt.detail.code}`)
  }
  const onCancelled = (evt: CustomEvent<{ id: string, peer: string, why: CancelReason }>): void => {
    io.err(`request ${evt.detail.id} from ${evt.detail.peer} cancelled: ${CANCELLED[evt.detail.why]}`)
  }
  const onBanned = (evt: CustomEvent<{ address: string, until: number, peers: string[] }>): void => {
    io.err(`address ${evt.detail.address} banned until ${new Date(evt.detail.until).toISOString()}: wrong join proofs from ${evt.detail.peers.length} peer(s)`)
  }
  const onStateError = (evt: CustomEvent<Error>): void => {
    io.err(`warning: leader state not saved: ${evt.detail.message}`)
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
