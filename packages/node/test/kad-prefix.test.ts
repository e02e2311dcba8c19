// kad-dht's bucket tree may split 16 bits deep in a realm node (kad-dht's own 6 holds a node's
// closest members only up to about 1,000: @realmesh/sim showed lookups, answered from this table,
// missing the true coordinators past that; BENCHMARKS.md, Simulation). The simulation runs
// kad-dht's own k-bucket code at that depth; this pins the setting in the node's libp2p.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { Harness, makeRealm } from './fixtures.js'

const h = new Harness()
after(async () => { await h.stopAll() })

/** the prefix length of the k-bucket tree behind a node's kad-dht (kad-dht 16: routingTable.kb) */
function prefixLength (dht: unknown): number | undefined {
  return (dht as { routingTable?: { kb?: { prefixLength?: number } } }).routingTable?.kb?.prefixLength
}

test('a realm node\'s kad-dht splits its buckets 16 bits deep by default, and dht.prefixLength sets it', async () => {
  const realm = await makeRealm()
  const byDefault = await h.node(realm)
  assert.equal(prefixLength(byDefault.libp2p.services.dht), 16)
  const set = await h.node(realm, { dht: { prefixLength: 10 } })
  assert.equal(prefixLength(set.libp2p.services.dht), 10)
})
