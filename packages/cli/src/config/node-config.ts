/**
 * The node daemon's config file (configs/node.yaml): every option `realmesh node start` takes
 * besides the data dir, the realm and the token. Flags override it; it overrides the defaults.
 */
import { boolean, fail, integer, list, multiaddrString, object, positiveInteger, string } from './schema.js'
import { isLoopbackHost, parseHostPort } from '../api/address.js'
import type { Check } from './schema.js'

/** the defaults, as configs/node.yaml spells them out */
export const NODE_DEFAULTS = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [] as string[],
  api: '127.0.0.1:0',
  connections: { maxConnections: 300, inboundConnectionThreshold: 5, maxIncomingPendingConnections: 10 },
  dht: { kBucketSize: 20, allowPrivateAddresses: true },
  handshake: { timeoutMs: 30_000, windowMs: 30_000 },
  join: { timeoutMs: 30_000 }
}

const MAX_ADDRESSES = 32
const apiAddress: Check<string> = (value, path) => {
  const address = typeof value === 'string' ? parseHostPort(value) : undefined
  if (address == null || !isLoopbackHost(address.host)) fail(path, 'HOST:PORT on a loopback address (e.g. 127.0.0.1:0)', value)
  return value as string
}
const timeoutMs = integer(100, 600_000, 'a number of milliseconds from 100 to 600000')

export interface NodeConfig {
  listen?: string[]
  bootstrap?: string[]
  api?: string
  joinSecret?: string
  connections?: { maxConnections?: number, inboundConnectionThreshold?: number, maxIncomingPendingConnections?: number }
  dht?: { kBucketSize?: number, allowPrivateAddresses?: boolean }
  handshake?: { timeoutMs?: number, windowMs?: number }
  join?: { timeoutMs?: number }
}

export const checkNodeConfig: Check<NodeConfig> = object({
  listen: list(multiaddrString(), { max: MAX_ADDRESSES }),
  bootstrap: list(multiaddrString({ peer: true }), { max: MAX_ADDRESSES }),
  api: apiAddress,
  joinSecret: string({ min: 1, max: 1024, expected: 'a non-empty string (the realm\'s join secret)' }),
  connections: object({
    maxConnections: positiveInteger(),
    inboundConnectionThreshold: positiveInteger(),
    maxIncomingPendingConnections: positiveInteger()
  }),
  dht: object({
    kBucketSize: positiveInteger(1000),
    allowPrivateAddresses: boolean
  }),
  handshake: object({ timeoutMs, windowMs: timeoutMs }),
  join: object({ timeoutMs })
})

/** Validates parsed config data (a YAML document's value). */
export function validateNodeConfig (value: unknown): NodeConfig {
  return checkNodeConfig(value, '')
}
