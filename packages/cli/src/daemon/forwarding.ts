/**
 * The node daemon's log lines for forwarding: streams it forwards for members (opened, closed with
 * how and bytes), refusals it gave or got, and its own connections made through a forwarder.
 */
import { shortPeerId } from '../format.js'
import type { CircuitClosedDetail, CircuitInfo, ForwardedConnectionDetail, ForwardRefusedDetail, RealmNode } from '@realmesh/node'
import type { Logger } from '../log/logger.js'

/** returns the unlisten */
export function logForwarding (node: RealmNode, log: Logger): () => void {
  const { forwarding } = node
  const onOpened = (evt: CustomEvent<CircuitInfo>): void => {
    const { source, target } = evt.detail
    log.info('forward.opened', `forwarding ${shortPeerId(source)} -> ${shortPeerId(target)}`, { source, target })
  }
  const onClosed = (evt: CustomEvent<CircuitClosedDetail>): void => {
    const { source, target, end, code, bytes } = evt.detail
    log.info('forward.closed', `forwarding ${shortPeerId(source)} -> ${shortPeerId(target)} ended (${end}${code == null ? '' : ` ${code}`}): ${bytes} bytes`, { source, target, end, code, bytes })
  }
  const onRefused = (evt: CustomEvent<ForwardRefusedDetail>): void => {
    const { role, peer, code } = evt.detail
    // a member that refused this node's dial is routine (it cannot reach the target either), and
    // so is a dial it could not forward (a target it does not know or reach): debug
    if (role === 'source' || code === 'FORWARD_TARGET_UNKNOWN' || code === 'FORWARD_UNREACHABLE') log.debug('forward.refused', `${role === 'source' ? `${shortPeerId(peer)} refused to forward for this node` : `could not forward for ${shortPeerId(peer)}`}: ${code}`, { role, peer, code })
    else log.warn('forward.refused', `refused a forwarded stream ${role === 'target' ? 'arriving through' : 'for'} ${shortPeerId(peer)}: ${code}`, { role, peer, code })
  }
  const onConnection = (evt: CustomEvent<ForwardedConnectionDetail>): void => {
    const { peer, forwarder, direction } = evt.detail
    log.info('forward.connection', `connection ${direction === 'outbound' ? 'to' : 'from'} ${shortPeerId(peer)} through ${shortPeerId(forwarder)}`, { peer, forwarder, direction })
  }
  forwarding.addEventListener('forward:circuit:opened', onOpened)
  forwarding.addEventListener('forward:circuit:closed', onClosed)
  forwarding.addEventListener('forward:refused', onRefused)
  forwarding.addEventListener('forward:connection', onConnection)
  return () => {
    forwarding.removeEventListener('forward:circuit:opened', onOpened)
    forwarding.removeEventListener('forward:circuit:closed', onClosed)
    forwarding.removeEventListener('forward:refused', onRefused)
    forwarding.removeEventListener('forward:connection', onConnection)
  }
}
