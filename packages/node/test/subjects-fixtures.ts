// Helpers for the subjects and messaging tests.
import { until } from '../src/index.js'
import { addrs } from './fixtures.js'
import type { Harness, Realm } from './fixtures.js'
import type { RealmNode, RealmNodeInit } from '../src/index.js'

export const text = (s: string): Uint8Array => new TextEncoder().encode(s)
export const str = (b: Uint8Array): string => new TextDecoder().decode(b)

/** a realm of `n` nodes on the memory transport, all joined through the first, with full routing tables */
export async function realmOf (h: Harness, realm: Realm, n: number, init: Partial<RealmNodeInit> = {}): Promise<RealmNode[]> {
  const first = await h.node(realm, init)
  const rest = await Promise.all(Array.from({ length: n - 1 }, async () => h.node(realm, { bootstrap: addrs(first).map(String), ...init })))
  const all = [first, ...rest]
  await Promise.all(rest.map(async node => node.whenJoined({ signal: AbortSignal.timeout(10_000) })))
  await until(() => all.every(node => node.status().routingTable >= n - 1), all, ['routing:changed'], { what: 'full routing tables' })
  return all
}
