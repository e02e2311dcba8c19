/**
 * What a receiver remembers of a sender session's settled messages, to answer one sent again (its
 * ack was lost with a broken stream) without delivering it twice: only refusals are kept (a settled
 * seq with no refusal was delivered), and only for the last `size` seqs (a sender never has more
 * in flight, so it never sends older ones again). No message data, no buffer of the sender's: a
 * slot per seq modulo `size` in two typed arrays (5 bytes a slot), made at the first refusal.
 */

import { WireErrorCode } from '@realmesh/wire'

/**
 * Refusal codes by index (0: none), shared by every Outcomes: ours, and the applications' own
 * (msg.reject(code), a handler's error code); past 255 codes APP_REJECTED stands for new ones.
 */
const codes: string[] = ['', WireErrorCode.APP_REJECTED, WireErrorCode.MESSAGE_TOO_LARGE, WireErrorCode.MESSAGE_EXPIRED]
const indexes = new Map(codes.map((code, index) => [code, index]))

function indexOf (code: string): number {
  const known = indexes.get(code)
  if (known != null) return known
  if (codes.length > 255) return 1
  indexes.set(code, codes.push(code) - 1)
  return codes.length - 1
}

export class Outcomes {
  private readonly size: number
  /** the low 32 bits of the seq each slot speaks of */
  private seqs: Uint32Array | undefined
  /** the refusal's index in `codes`; 0: delivered */
  private refusals: Uint8Array | undefined

  constructor (size: number) {
    this.size = size
  }

  /** bytes these outcomes take (0 until the first refusal) */
  get bytes (): number {
    return this.seqs == null ? 0 : this.size * 5
  }

  /** `seq` settled: delivered (no code) or refused with `code` */
  settle (seq: bigint, code?: string): void {
    if (code == null && this.seqs == null) return
    this.seqs ??= new Uint32Array(this.size)
    this.refusals ??= new Uint8Array(this.size)
    const slot = this.slotOf(seq)
    this.seqs[slot] = Number(BigInt.asUintN(32, seq))
    this.refusals[slot] = code == null ? 0 : indexOf(code === '' ? WireErrorCode.APP_REJECTED : code)
  }

  /** the refusal code of a settled `seq`, if it was refused and is recent enough to be known */
  refusal (seq: bigint): string | undefined {
    if (this.seqs == null || this.refusals == null) return undefined
    const slot = this.slotOf(seq)
    const index = this.refusals[slot] ?? 0
    if (index === 0 || this.seqs[slot] !== Number(BigInt.asUintN(32, seq))) return undefined
    return codes[index]
  }

  private slotOf (seq: bigint): number {
    return Number(BigInt.asUintN(64, seq) % BigInt(this.size))
  }
}
