/**
 * The node daemon's tunnels: node.yaml's `tunnels` limits and `services` exposed at start, and the
 * exposing side's log lines (a tunnel a member opened, how it ended, a refusal).
 */
import { allowRules } from '../allow-rules.js'
import { parseHostPort } from '../api/address.js'
import { shortPeerId } from '../format.js'
import type { RealmNode } from '@realmesh/node'
import type { NodeConfig } from '../config/node-config.js'
import type { Io } from '../io.js'

/** node.yaml's `services` (checked by the schema), exposed before the node starts joining */
export function exposeConfigured (node: RealmNode, services: NodeConfig['services'] = [], io: Io): void {
  for (const [i, service] of services.entries()) {
    const address = parseHostPort(service.target)
    if (address == null) continue
    const allow = allowRules(service.allow, service.allowPeers, { attr: `services[${i}].allow`, peer: `services[${i}].allowPeers` })
    node.tunnels.expose({ name: service.name, host: address.host, port: address.port, allow })
    io.err(`exposing ${service.name} -> ${service.target}`)
  }
}

/** tunnels members open into this node: opened, closed (how, bytes), refused (code); returns the unlisten */
export function logTunnels (node: RealmNode, io: Io): () => void {
  const { tunnels } = node
  const onOpened = (evt: CustomEvent<{ id: number, direction: string, peer: string, service: string }>): void => {
    if (evt.detail.direction === 'in') io.err(`tunnel ${evt.detail.id} to ${evt.detail.service} opened by ${shortPeerId(evt.detail.peer)}`)
  }
  const onClosed = (evt: CustomEvent<{ id: number, direction: string, end: string, code?: string, sent: number, received: number }>): void => {
    const d = evt.detail
    if (d.direction === 'in') io.err(`tunnel ${d.id} closed (${d.end}${d.code == null ? '' : ` ${d.code}`}): ${d.received} bytes in, ${d.sent} out`)
  }
  const onRefused = (evt: CustomEvent<{ direction: string, peer: string, service: string, code: string }>): void => {
    if (evt.detail.direction === 'in') io.err(`tunnel to ${evt.detail.service} refused to ${shortPeerId(evt.detail.peer)}: ${evt.detail.code}`)
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
