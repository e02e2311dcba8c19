// Real parts for node tests: a realm (leader key + descriptor), RealmNodes on the in-memory
// transport, and "raw" libp2p peers that speak realmesh's wire by hand, to send what a well-behaved
// node never would.
import { randomBytes, randomUUID } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken, signBytes, tokenHash } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, WIRE_VERSION, Hello, HandshakeReply, HandshakeDone, epochSigningBytes, handshakeSigningBytes } from '@realmesh/wire'
import { createRealmNode } from '../src/index.js'
import type { RealmNode, RealmNodeInit } from '../src/index.js'
import type { Libp2p, PeerId, PrivateKey, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmDescriptor, RealmPolicy } from '@realmesh/token'
import type { Epoch } from '@realmesh/wire'

export interface Realm {
  realm: RealmDescriptor
  leaderKey: PrivateKey
  issue(key: PrivateKey, options?: { ttlSeconds?: number, now?: () => number, renewUntil?: number, grantedAt?: number }): Promise<string>
}

export async function makeRealm (name = 'test', policy: Partial<RealmPolicy> = {}): Promise<Realm> {
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name, leaderKey, policy })
  return {
    realm,
    leaderKey,
    issue: async (key, options = {}) => issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(key), ...options })
  }
}

/**
 * An epoch signed by the realm's leader (a fresh salt; it started now unless said otherwise), or
 * by `forge.signer` / for `forge.realmId` to forge one.
 */
export function signEpoch (realm: Realm, fields: Partial<Omit<Epoch, 'signature'>> & { epoch: bigint }, forge: { signer?: PrivateKey, realmId?: string } = {}): Epoch {
  const unsigned = { startsAtMs: BigInt(Date.now()), overlapMs: 0n, salt: Uint8Array.from(randomBytes(32)), ...fields }
  return { ...unsigned, signature: signBytes(forge.signer ?? realm.leaderKey, epochSigningBytes({ realmId: forge.realmId ?? realm.realm.id, ...unsigned })) }
}

/** Tracks everything a test starts, so `stopAll` in an `after` hook tears it down. */
export class Harness {
  private readonly stoppers: Array<() => Promise<void>> = []

  async node (realm: Realm, init: Partial<RealmNodeInit> = {}): Promise<RealmNode> {
    const privateKey = init.privateKey ?? await generateNodeKey()
    const node = await createRealmNode({
      realm: realm.realm,
      privateKey,
      nodeToken: 'nodeToken' in init ? init.nodeToken : await realm.issue(privateKey),
      listen: [`/memory/${randomUUID()}`],
      bootstrap: [],
      ...init
    })
    this.stoppers.push(async () => node.stop())
    await node.start()
    return node
  }

  async raw (): Promise<Libp2p> {
    const node = await createLibp2p({ addresses: { listen: [`/memory/${randomUUID()}`] }, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    this.stoppers.push(async () => node.stop())
    return node
  }

  async stopAll (): Promise<void> {
    await Promise.allSettled(this.stoppers.splice(0).map(async stop => stop()))
  }
}

export function addrs (node: RealmNode): Multiaddr[] {
  return node.libp2p.getMultiaddrs()
}

export interface HelloOverrides {
  version?: number
  token?: string
  timestamp?: number
  nonce?: Uint8Array
  forPeer?: PeerId
  /** sign with this key instead of the sender's */
  signWith?: PrivateKey
  /** sign bytes made for this peer instead of forPeer */
  signedFor?: PeerId
}

/** A Hello as a node would make it, with whatever the test overrides. */
export async function craftHello (key: PrivateKey, token: string, remote: PeerId, over: HelloOverrides = {}): Promise<Hello> {
  const nonce = over.nonce ?? crypto.getRandomValues(new Uint8Array(16))
  const timestamp = BigInt(over.timestamp ?? Date.now())
  const forPeer = over.forPeer ?? remote
  const signature = await (over.signWith ?? key).sign(handshakeSigningBytes({ tokenHash: tokenHash(over.token ?? token), timestamp, nonce, remotePeer: over.signedFor ?? forPeer }))
  return { version: over.version ?? WIRE_VERSION, nodeToken: over.token ?? token, timestamp, nonce: Uint8Array.from(nonce), signature: Uint8Array.from(signature), forPeer: Uint8Array.from(forPeer.toMultihash().bytes), revocationSeq: 0n, epoch: 0n }
}

/** Sends `hello` on a new handshake stream from `raw` to `target` and returns the reply. */
export async function sendHello (raw: Libp2p, target: Multiaddr[], hello: Hello): Promise<{ reply: HandshakeReply, stream: Stream, frames: Frames }> {
  const stream = await raw.dialProtocol(target, PROTOCOLS.handshake)
  const frames = new Frames(stream, { protocol: PROTOCOLS.handshake, maxSize: FRAME_LIMITS.handshake })
  await frames.write(Hello, hello)
  const reply = await frames.read(HandshakeReply, { signal: AbortSignal.timeout(10_000) })
  return { reply, stream, frames }
}

export { HandshakeDone }
