/**
 * Throw-away requesters, as an attacker makes them: a bare libp2p peer with a fresh key for every
 * request (a peer id costs nothing), dialling from a chosen source address. On Linux the whole of
 * 127.0.0.0/8 is routed to lo, so 127.0.0.2, 127.0.0.3 ... are distinct addresses on one host.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { exchange, leaderRequest } from './helpers.js'
import type { TCPSocketOptions } from '@libp2p/tcp'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { LeaderRequest, LeaderResponse } from '@realmesh/wire'

/** a started bare libp2p peer (TCP, Noise, yamux, nothing else) whose dials leave from `localAddress` */
export async function throwawayPeer (localAddress: string): Promise<Libp2p> {
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    // net.connect's localAddress: @libp2p/tcp passes dialOpts through, its type lists fewer options
    transports: [tcp({ dialOpts: { localAddress } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false }
  })
  await node.start()
  return node
}

/** One leader request from a fresh peer at `localAddress`; the peer is gone afterwards (it never polls). */
export async function askOnce (leaderAddress: string, localAddress: string, fields: (peer: PeerId) => Partial<LeaderRequest> = () => ({})): Promise<{ peer: string, response: LeaderResponse }> {
  const node = await throwawayPeer(localAddress)
  try {
    const response = await exchange({ libp2p: node }, leaderAddress, leaderRequest(fields(node.peerId)))
    return { peer: node.peerId.toString(), response }
  } finally {
    await node.stop()
  }
}

/** Runs `task` `count` times, `parallel` at once; resolves when all have finished. */
export async function pool (count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await task(next++)
  }))
}
