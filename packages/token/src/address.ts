/**
 * Validation of bootstrap addresses: multiaddr strings that end in /p2p/<Ed25519 peer id>.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { describeType } from './json.js'
import { peerIdProblem } from './peer.js'

/** What a valid bootstrap address looks like (used in error messages). */
export const BOOTSTRAP_ADDRESS_EXPECTED = 'a multiaddr string with a transport part, ending in /p2p/<Ed25519 peer id>, e.g. /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW...'

/** Why value is not a valid bootstrap address, or undefined when it is one. */
export function bootstrapAddressProblem (value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return `a ${describeType(value)}, not a string`
  }
  let components
  try {
    components = multiaddr(value).getComponents()
  } catch (err) {
    return `not a multiaddr (${err instanceof Error ? err.message : String(err)})`
  }
  const last = components[components.length - 1]
  if (last?.name !== 'p2p' || last.value === undefined) {
    return 'does not end in /p2p/<peer id>'
  }
  if (components.length < 2) {
    return 'has no transport part before /p2p/<peer id>'
  }
  const problem = peerIdProblem(last.value)
  if (problem !== undefined) {
    return `ends in /p2p/${last.value}, which is ${problem}`
  }
  return undefined
}
