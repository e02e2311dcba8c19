/**
 * A node daemon's token request while it waits for the operator: remembered from the node's
 * `token:pending` events, and withdrawn at the leader (CANCEL) when the daemon is stopped before
 * it got a token, so that the request leaves `realmesh leader pending` at once rather than after
 * the leader's grace. The daemon does this before it stops the node: a stopping node closes its
 * connections at once, and a CANCEL sent from inside the node would not get out.
 */
import { cancelTokenRequest } from '@realmesh/node'
import { leaderPeerId } from '@realmesh/token'
import { PROTOCOLS } from '@realmesh/wire'
import type { RealmNode } from '@realmesh/node'
import type { Logger } from '../log/logger.js'

export interface WaitingRequest {
  /** withdraws the request if the node still waits for one (best effort, at most ~2 s) */
  withdraw: () => Promise<void>
  /** stops listening */
  off: () => void
}

export function trackTokenRequest (node: RealmNode, log: Logger): WaitingRequest {
  let waiting: string | undefined
  const onPending = (evt: CustomEvent<{ requestId: string }>): void => { waiting = evt.detail.requestId }
  node.addEventListener('token:pending', onPending)
  return {
    withdraw: async () => {
      const id = waiting
      if (id == null || node.hasToken()) return
      const leader = leaderPeerId(node.realm)
      const withdrawn = await cancelTokenRequest(async (options) => node.libp2p.dialProtocol(leader, PROTOCOLS.leader, options), id)
      if (withdrawn) log.info('token.withdrawn', `token request ${id} withdrawn at the leader`, { requestId: id })
      else log.warn('token.withdraw-failed', `token request ${id} could not be withdrawn; the leader drops it once this node has stopped asking for a while`, { requestId: id })
    },
    off: () => { node.removeEventListener('token:pending', onPending) }
  }
}
