/**
 * The demo's config (configs/local-realm.yaml): a realm run in one process on loopback.
 */
import { integer, object, oneOf, string } from './schema.js'
import type { Check } from './schema.js'

export type Transport = 'tcp' | 'memory'

export interface LocalRealmConfig {
  /** nodes besides the leader */
  nodes?: number
  transport?: Transport
  /** the realm's name */
  name?: string
  /** how long to wait for every node to join and every routing table to fill */
  timeoutMs?: number
}

export const LOCAL_REALM_DEFAULTS = { nodes: 5, transport: 'tcp' as Transport, name: 'demo', timeoutMs: 30_000 }

/** more nodes than this in one process is a benchmark, not a demo */
export const MAX_DEMO_NODES = 50

export const checkLocalRealmConfig: Check<LocalRealmConfig> = object({
  nodes: integer(1, MAX_DEMO_NODES),
  transport: oneOf(['tcp', 'memory'] as const),
  name: string({ min: 1, max: 64, pattern: /^[A-Za-z0-9._-]+$/, expected: 'a realm name: 1 to 64 of A-Z a-z 0-9 . _ -' }),
  timeoutMs: integer(1_000, 600_000, 'a number of milliseconds from 1000 to 600000')
})
