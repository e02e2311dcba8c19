/**
 * LAN discovery (issue 21 item 5, seed 000's pairing broadcast): @libp2p/mdns queries the segment
 * for a service of this realm's own and answers such queries with this node's peer id and private
 * listen addresses. What it finds is handed to LanJoins (lan-joins.ts), which dials it; the
 * handshake and join decide, as for any peer. Off unless RealmNodeInit.mdns is given.
 *
 * Two things differ from plugging mdns() into libp2p's `peerDiscovery`:
 * - libp2p puts every discovered peer into its peer store (persisted in the node's store), so a
 *   host on the LAN announcing random peer ids would fill it. LanDiscovery hides the service's
 *   peer discovery symbol: libp2p never sees what it finds; only LanJoins does, and it keeps
 *   nothing of a peer that was not admitted.
 * - The service name is not libp2p's `_p2p._udp.local` but a tag derived from the realm id (a hash
 *   of it, cut to a DNS service label): members of a realm find each other and no other libp2p
 *   nodes, and other realms' nodes on the segment do not dial them. The tag does not say what the
 *   realm is (the id cannot be read back from it), so a LAN observer learns no more than that some
 *   hosts share a realm, and their peer ids and addresses, which anyone dialling them learns too
 *   (Noise). It is not a secret: a realm's members hold nothing an outsider cannot know that all
 *   of them share (realm.json is not secret), so it keeps realms apart, and the gate keeps
 *   outsiders out.
 */
import { createHash } from 'node:crypto'
import { mdns } from '@libp2p/mdns'
import { TypedEventEmitter } from 'main-event'
import type { MulticastDNSComponents } from '@libp2p/mdns'
import type { PeerDiscovery, PeerDiscoveryEvents, PeerInfo, Startable } from '@libp2p/interface'

export interface MdnsOptions {
  /** ms between this node's queries (each member answers each query). @default 10000 */
  intervalMs?: number
  /** answer queries (other members find this node); false only looks. @default true */
  announce?: boolean
}

/** the mDNS service name of a realm's members: `_rm-<12 hex digits of sha256>._udp.local` (a service label is at most 15 characters, RFC 6335) */
export function mdnsServiceTag (realmId: string): string {
  const digest = createHash('sha256').update(`realmesh/mdns/1 ${realmId}`).digest('hex')
  return `_rm-${digest.slice(0, 12)}._udp.local`
}

/** the mDNS service, started and stopped with libp2p, whose finds only its own listeners see */
export class LanDiscovery extends TypedEventEmitter<PeerDiscoveryEvents> implements Startable {
  private readonly inner: PeerDiscovery & Startable
  readonly [Symbol.toStringTag] = 'realmesh:mdns'

  constructor (inner: PeerDiscovery & Startable) {
    super()
    this.inner = inner
    this.inner.addEventListener('peer', (evt: CustomEvent<PeerInfo>) => { this.safeDispatchEvent('peer', { detail: evt.detail }) })
  }

  async start (): Promise<void> {
    await this.inner.start()
  }

  async stop (): Promise<void> {
    await this.inner.stop()
  }
}

/** the libp2p service factory (libp2p.ts) */
export function lanDiscovery (realmId: string, options: MdnsOptions = {}): (components: MulticastDNSComponents) => LanDiscovery {
  const create = mdns({ serviceTag: mdnsServiceTag(realmId), interval: options.intervalMs ?? 10_000, broadcast: options.announce !== false })
  return (components) => new LanDiscovery(create(components) as PeerDiscovery & Startable)
}
