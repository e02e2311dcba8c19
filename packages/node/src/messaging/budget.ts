/**
 * The memory a receiver's message streams may take, in bytes: a sender's frames while they arrive
 * (a frame comes in pieces; its bytes wait in the stream's reader until it is whole) and while they
 * wait out of order in a reorder window. Each stream has an account; accounts are charged to their
 * sender peer's budget (across all its streams and connections) and to the node's. A change that
 * would pass either is refused, and the caller resets the stream, which gives everything back.
 */

/** whose budget a change would pass: the sender peer's own, or the node's (shared by every sender) */
export type Overrun = 'peer' | 'node'

export interface BudgetLimits {
  /** most bytes one sender peer's message streams hold at once */
  peerBytes: number
  /** most bytes all message streams hold at once */
  nodeBytes: number
}

interface PeerUse { used: number, streams: number }

export class InboxBudgets {
  readonly limits: BudgetLimits
  private nodeUsed = 0
  /** one entry per peer with an open message stream (removed with its last stream) */
  private readonly peers = new Map<string, PeerUse>()
  private readonly onUse: (bytes: number) => void

  /** `onUse`: told the node's total after every change (for the node's stats) */
  constructor (limits: BudgetLimits, onUse: (bytes: number) => void = () => {}) {
    this.limits = limits
    this.onUse = onUse
  }

  /** bytes held for every sender */
  get used (): number {
    return this.nodeUsed
  }

  /** bytes held for one sender peer */
  usedBy (peer: string): number {
    return this.peers.get(peer)?.used ?? 0
  }

  /** an account for a new stream from `peer`; close() it when the stream ends */
  open (peer: string): StreamAccount {
    let use = this.peers.get(peer)
    if (use == null) {
      use = { used: 0, streams: 0 }
      this.peers.set(peer, use)
    }
    use.streams++
    const owner = use
    return new StreamAccount(
      (delta) => this.change(owner, delta),
      () => {
        if (--owner.streams === 0 && this.peers.get(peer) === owner) this.peers.delete(peer)
      })
  }

  private change (use: PeerUse, delta: number): Overrun | undefined {
    if (delta > 0) {
      if (use.used + delta > this.limits.peerBytes) return 'peer'
      if (this.nodeUsed + delta > this.limits.nodeBytes) return 'node'
    }
    use.used += delta
    this.nodeUsed += delta
    this.onUse(this.nodeUsed)
    return undefined
  }
}

/** What one stream holds: bytes received and not yet read as frames, and bytes waiting in its window. */
export class StreamAccount {
  private buffered = 0
  private held = 0
  private closed = false
  private readonly change: (delta: number) => Overrun | undefined
  private readonly onClose: () => void

  constructor (change: (delta: number) => Overrun | undefined, onClose: () => void) {
    this.change = change
    this.onClose = onClose
  }

  get bytes (): number {
    return this.buffered + this.held
  }

  /** the bytes now waiting in the stream's reader; refused (nothing changes) when that passes a budget */
  setBuffered (bytes: number): Overrun | undefined {
    if (this.closed) return undefined
    const overrun = this.apply(bytes - this.buffered)
    if (overrun == null) this.buffered = bytes
    return overrun
  }

  /** the bytes now waiting in the stream's reorder window; refused (nothing changes) when that passes a budget */
  setHeld (bytes: number): Overrun | undefined {
    if (this.closed) return undefined
    const overrun = this.apply(bytes - this.held)
    if (overrun == null) this.held = bytes
    return overrun
  }

  /** gives everything back; later changes are ignored */
  close (): void {
    if (this.closed) return
    this.change(-this.bytes)
    this.buffered = 0
    this.held = 0
    this.closed = true
    this.onClose()
  }

  private apply (delta: number): Overrun | undefined {
    return delta === 0 ? undefined : this.change(delta)
  }
}
