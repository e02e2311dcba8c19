/**
 * An outsider on the LAN, run as an OS process in a testbed host (`node mdns-outsider.js TAG
 * LISTEN PROTOCOL`): a plain js-libp2p node with no token that announces itself by mDNS on a realm's
 * own service tag (the worst case: it knows the realm id) and dials every peer it finds there,
 * then opens PROTOCOL (a realm protocol) on it and sends a few bytes. One line per event on stdout:
 *   outsider <peer id>
 *   found <peer id>
 *   stream <peer id> <bytes received> <error or 'ended'>
 * A realm member must answer with 0 bytes.
 */
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { mdns } from '@libp2p/mdns'
import type { PeerId } from '@libp2p/interface'

const [tag = '', listen = '', protocol = ''] = process.argv.slice(2)
const node = await createLibp2p({
  addresses: { listen: [listen] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  peerDiscovery: [mdns({ serviceTag: tag, interval: 1_000 })]
})
const probed = new Set<string>()

async function probe (peer: PeerId): Promise<void> {
  let bytes = 0
  let outcome = 'ended'
  try {
    const stream = await node.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(10_000) })
    stream.send(new Uint8Array([0, 1, 2, 3]))
    for await (const chunk of stream) bytes += chunk.byteLength
  } catch (err) {
    outcome = (err as Error).name
  }
  console.log(`stream ${peer.toString()} ${bytes} ${outcome}`)
}

node.addEventListener('peer:discovery', (evt) => {
  const peer = evt.detail.id
  if (probed.has(peer.toString())) return
  probed.add(peer.toString())
  console.log(`found ${peer.toString()}`)
  void probe(peer)
})
const stop = async (): Promise<void> => {
  await node.stop()
  process.exit(0)
}
process.once('SIGTERM', () => { void stop() })
process.once('SIGINT', () => { void stop() })
await node.start()
console.log(`outsider ${node.peerId.toString()}`)
