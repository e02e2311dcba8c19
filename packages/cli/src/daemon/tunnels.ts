/**
 * The node daemon's tunnels: node.yaml's `tunnels` limits and `services` exposed at start, and the
 * exposing side's log lines (a tunnel a member opened, how it ended, a refusal).
 */
import { allowRules } from '../allow-rules.js'
import { parseHostPort } from '../api/address.js'
import { shortPeerId } from '../format.js'
import type { RealmNode } from '@realmesh/node'
import type { NodeConfig } from '../config/node-config.js'
import type { Logger } from '../log/logger.js'

/** node.yaml's `services` (checked by the schema), exposed before the node starts joining */
export function exposeConfigured (node: RealmNode, services: NodeConfig['services'] = [], log: Logger): void {
  for (const [i, service] of services.entries()) {
    const address = parseHostPort(service.target)
    if (address == null) continue
    const allow = allowRules(service.allow, service.allowPeers, { attr: `services[${i}].allow`, peer: `services[${i}].allowPeers` })
    node.tunnels.expose({ name: service.name, host: address.host, port: address.port, allow })
    log.info('service.exposed', `exposing ${service.name} -> ${service.target}`, { service: service.name, target: service.target })
  }
}

/** tunnels members open into this node: opened, closed (how, bytes), refused (code); returns the unlisten */
export function logTunnels (node: RealmNode, log: Logger): () => void {
  const { tunnels } = node
  const onOpened = (evt: CustomEvent<{ id: number, direction: string, peer: string, service: string }>): void => {
    const { id, direction, service, peer } = evt.detail
    if (direction === 'in') log.info('tunnel.opened', `tunnel ${id} to ${service} opened by ${shortPeerId(peer)}`, { id, service, peer })
  }
  const onClosed = (evt: CustomEvent<{ id: number, direction: string, end: string, code?: string, sent: number, received: number }>): void => {
    const d = evt.detail
    if (d.direction === 'in') log.info('tunnel.closed', `tunnel ${d.id} closed (${d.end}${d.code == null ? '' : ` ${d.code}`}): ${d.received} bytes in, ${d.sent} out`, { id: d.id, end: d.end, code: d.code, received: d.received, sent: d.sent })
  }
  const onRefused = (evt: CustomEvent<{ direction: string, peer: string, service: string, code: string }>): void => {
    const { direction, service, peer, code } = evt.detail
    if (direction === 'in') log.warn('tunnel.refused', `tunnel to ${service} refused to ${shortPeerId(peer)}: ${code}`, { service, peer, code })
  }
  tunnels.addEventListener('tunnel:opened', onOpened)
  tunnels.addEventListener('tunnel:closed', onClosed)
  tunnels.addEventListener('tunnel:refused', onRefused)
  return () => {
    tunnels.removeEventListener('tunnel:opened', onOpened)
    tunnels.removeEventListener('tunnel:closed', onClosed)
    tunnels.removeEventListener('tunnel:refused', onRefused)
  }
}
