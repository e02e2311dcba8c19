/**
 * A part of a datastore under one key prefix, as datastore-core's NamespaceDatastore, except that
 * its queries hand the prefix down: NamespaceDatastore drops a query's prefix and filters every key
 * of the whole store, so libp2p's `peerStore.all()` read every stored message too. LevelDB reads
 * just the range of a prefix.
 */
import { NamespaceDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import type { AbortOptions } from '@libp2p/interface'
import type { Datastore, KeyQuery, Pair, Query } from 'interface-datastore'

export class PrefixedDatastore extends NamespaceDatastore {
  private readonly base: Datastore
  private readonly prefix: string

  constructor (base: Datastore, prefix: string) {
    super(base, new Key(prefix))
    this.base = base
    this.prefix = new Key(prefix).toString()
  }

  override async * query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    const inner = (pair: Pair): Pair => ({ key: this.inner(pair.key), value: pair.value })
    const pairs = this.base.query({
      ...q,
      prefix: this.within(q.prefix),
      filters: q.filters?.map(filter => (pair: Pair) => filter(inner(pair))),
      orders: q.orders?.map(order => (a: Pair, b: Pair) => order(inner(a), inner(b)))
    }, options)
    for await (const pair of pairs) yield inner(pair)
  }

  override async * queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    const keys = this.base.queryKeys({
      ...q,
      prefix: this.within(q.prefix),
      filters: q.filters?.map(filter => (key: Key) => filter(this.inner(key))),
      orders: q.orders?.map(order => (a: Key, b: Key) => order(this.inner(a), this.inner(b)))
    }, options)
    for await (const key of keys) yield this.inner(key)
  }

  /** a query's prefix (matched against the keys as this part shows them, all starting with /) in the base store */
  private within (prefix: string | undefined): string {
    return prefix == null || prefix === '' || prefix === '/' ? `${this.prefix}/` : `${this.prefix}${prefix}`
  }

  private inner (key: Key): Key {
    return new Key(key.toString().slice(this.prefix.length), false)
  }
}
