/**
 * Who may open an exposed service, as the CLI and node.yaml spell it: `ATTR=VALUE` (a token
 * attribute) and peer or identity ids; and how a service's rules are shown.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from './errors.js'
import { text } from './format.js'
import type { AllowRule } from '@realmesh/node'

/** `--allow ATTR=VALUE` and `--allow-peer PEER` values as rules (UsageError naming the flag for a bad one) */
export function allowRules (attrs: string[] = [], peers: string[] = [], flags = { attr: '--allow', peer: '--allow-peer' }): AllowRule[] {
  const rules: AllowRule[] = []
  for (const pair of attrs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`${flags.attr}: expected ATTR=VALUE (a token attribute), got ${JSON.stringify(pair)}`)
    rules.push({ attr: pair.slice(0, at), value: pair.slice(at + 1) })
  }
  for (const peer of peers) {
    try {
      rules.push({ peer: peerIdFromString(peer).toString() })
    } catch {
      throw new UsageError(`${flags.peer}: expected a peer or identity id (12D3KooW...), got ${JSON.stringify(peer.slice(0, 80))}`, 'PEER_ID_INVALID')
    }
  }
  return rules
}

/** `every member`, or `team=ops, peer 12D3...` */
export function describeAllow (rules: unknown): string {
  if (!Array.isArray(rules) || rules.length === 0) return 'every member'
  return rules.map((rule: { attr?: unknown, value?: unknown, peer?: unknown }) => rule.peer != null ? `peer ${text(rule.peer)}` : `${text(rule.attr)}=${text(rule.value)}`).join(', ')
}
