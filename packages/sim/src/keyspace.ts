/**
 * The true picture the simulation measures against: every live member's fingerprint, sorted, so
 * that the XOR-closest members to any key, and how many members a bucket could hold, come from a
 * descent of the implicit binary trie (binary searches over the sorted keys) instead of a scan of
 * all N. Built once per measurement; the code under test never sees it.
 */
import { compareXor } from '@realmesh/token'

export class Keyspace<T> {
  private readonly keys: Uint8Array[]
  private readonly items: T[]

  constructor (entries: Array<{ key: Uint8Array, item: T }>) {
    const sorted = [...entries].sort((a, b) => compareBytes(a.key, b.key))
    this.keys = sorted.map(e => e.key)
    this.items = sorted.map(e => e.item)
  }

  get size (): number {
    return this.keys.length
  }

  /** the common prefix lengths worth looking at: past log2 N + 8 bits a bucket is all but surely empty */
  get bucketDepths (): number {
    return Math.ceil(Math.log2(Math.max(2, this.keys.length))) + 8
  }

  /** the `n` items whose keys are XOR-closest to `key`, closest first */
  closest (key: Uint8Array, n: number): T[] {
    const out: number[] = []
    this.descend(key, 0, this.keys.length, 0, n, out)
    return out.map(i => this.items[i] as T)
  }

  /**
   * for each common prefix length 0..maxBits-1, how many keys share exactly that many leading bits
   * with `key` (the population of each of its buckets), in one descent
   */
  bucketPopulations (key: Uint8Array, maxBits: number): number[] {
    const out: number[] = []
    let lo = 0
    let hi = this.keys.length
    for (let depth = 0; depth < maxBits; depth++) {
      const split = this.firstWithBit(lo, hi, depth)
      const [sameLo, sameHi] = bitAt(key, depth) === 0 ? [lo, split] : [split, hi]
      out.push((hi - lo) - (sameHi - sameLo))
      lo = sameLo
      hi = sameHi
    }
    return out
  }

  /**
   * the items whose keys share exactly `depth` leading bits with `key` (its bucket `depth`): a
   * contiguous run of the sorted keys, as [lo, hi) indices for itemAt
   */
  bucketRange (key: Uint8Array, depth: number): [number, number] {
    let lo = 0
    let hi = this.keys.length
    for (let d = 0; d < depth && lo < hi; d++) {
      const split = this.firstWithBit(lo, hi, d)
      if (bitAt(key, d) === 0) hi = split
      else lo = split
    }
    if (lo >= hi) return [lo, lo]
    // the keys that share `depth` bits: those that differ at bit `depth` are the bucket
    const split = this.firstWithBit(lo, hi, depth)
    return bitAt(key, depth) === 0 ? [split, hi] : [lo, split]
  }

  itemAt (index: number): T {
    return this.items[index] as T
  }

  private descend (key: Uint8Array, lo: number, hi: number, depth: number, n: number, out: number[]): void {
    if (lo >= hi || out.length >= n) return
    if (hi - lo === 1 || depth >= key.length * 8) {
      // one key left (or identical keys): rank what remains by distance
      const rest = []
      for (let i = lo; i < hi; i++) rest.push(i)
      rest.sort((a, b) => compareXor(key, this.keys[a] as Uint8Array, this.keys[b] as Uint8Array))
      for (const i of rest) if (out.length < n) out.push(i)
      return
    }
    const split = this.firstWithBit(lo, hi, depth)
    const bit = bitAt(key, depth)
    // the half that shares the key's bit at this depth is closer than all of the other half
    if (bit === 0) {
      this.descend(key, lo, split, depth + 1, n, out)
      this.descend(key, split, hi, depth + 1, n, out)
    } else {
      this.descend(key, split, hi, depth + 1, n, out)
      this.descend(key, lo, split, depth + 1, n, out)
    }
  }

  /** within [lo, hi), where every key has the same first `depth` bits: the first index whose bit `depth` is 1 */
  private firstWithBit (lo: number, hi: number, depth: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (bitAt(this.keys[mid] as Uint8Array, depth) === 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

export function bitAt (key: Uint8Array, bit: number): number {
  return ((key[bit >> 3] as number) >> (7 - (bit & 7))) & 1
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return 0
}
