/**
 * Node 24 hands out small Buffers (Buffer.from, Buffer.concat, Buffer.allocUnsafe: what libp2p,
 * multiaddr and protons make peer ids, addresses and peer-store entries from) as slices of 64 KiB
 * slabs; Node 20's were 8 KiB. A slice that lives keeps its whole slab: in a testnet of 100 nodes
 * over 2 processes, one worker's heap snapshot had 1,650 slabs of 64 KiB (103 MiB, a third of its
 * heap) held by long-lived peer ids, multiaddrs and peer-store values. A long-running process with
 * many connections (a node, a testnet worker) is better off with 8 KiB slabs (RSS 11% lower there).
 */
export const SMALL_BUFFER_SLAB = 8 * 1024

/** Makes this process's Buffer pool use 8 KiB slabs (from the next slab on); call once at start. */
export function useSmallBufferSlabs (): void {
  if (Buffer.poolSize > SMALL_BUFFER_SLAB) Buffer.poolSize = SMALL_BUFFER_SLAB
}
