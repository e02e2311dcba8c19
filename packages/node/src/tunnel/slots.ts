/** Counts of open tunnels, per peer and in all, against their limits. */
export class Slots {
  private readonly perPeer = new Map<string, number>()
  private total = 0
  private readonly maxTotal: number
  private readonly maxPerPeer: number

  constructor (maxTotal: number, maxPerPeer: number) {
    for (const [name, value] of [['maxTunnels', maxTotal], ['maxTunnelsPerPeer', maxPerPeer]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`)
    }
    this.maxTotal = maxTotal
    this.maxPerPeer = maxPerPeer
  }

  /** takes a slot for `peer`: false when it or the whole node is at its limit */
  take (peer: string): boolean {
    const held = this.perPeer.get(peer) ?? 0
    if (this.total >= this.maxTotal || held >= this.maxPerPeer) return false
    this.perPeer.set(peer, held + 1)
    this.total++
    return true
  }

  release (peer: string): void {
    const held = this.perPeer.get(peer)
    if (held == null) return
    // a peer holding nothing has no entry: the map never holds more peers than open tunnels
    if (held <= 1) this.perPeer.delete(peer)
    else this.perPeer.set(peer, held - 1)
    this.total--
  }

  /** whether `peer` itself (rather than the whole node) is at its limit */
  full (peer: string): boolean {
    return (this.perPeer.get(peer) ?? 0) >= this.maxPerPeer
  }
}
