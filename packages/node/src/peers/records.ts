/**
 * Signed peer records: a member's node token plus the addresses it listens on, signed by the
 * member itself, with a sequence number so a newer record replaces an older one and never the
 * other way round.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { verifyNodeToken, tokenHash, TokenError } from '@realmesh/token'
import { peerRecordSigningBytes, RealmeshError, WireErrorCode, MAX_ADDRS_PER_RECORD } from '@realmesh/wire'
import type { PeerRecord } from '@realmesh/wire'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmDescriptor, TokenCache } from '@realmesh/token'
import type { VerifiedNode } from '../handshake/handshake.js'
import { withoutPeer } from '../util/multiaddr.js'

export { withoutPeer }

export interface VerifiedRecord {
  peerId: PeerId
  /** peer id string */
  peer: string
  addrs: Multiaddr[]
  seq: bigint
  node: VerifiedNode
  record: PeerRecord
}

export interface RecordVerifyOptions {
  realm: RealmDescriptor
  tokenCache: TokenCache
  now: () => number
  isRevoked: (jti: string) => boolean
  skewSeconds?: number
}

/** A peer record failed verification; `tokenCode` holds the token refusal when that was the cause. */
export class RecordInvalidError extends RealmeshError {
  static override name = 'RecordInvalidError'
  readonly tokenCode: string | undefined

  constructor (message: string, options?: { cause?: unknown }) {
    super(WireErrorCode.RECORD_INVALID, message, options)
    this.tokenCode = options?.cause instanceof TokenError ? options.cause.code : undefined
  }
}

/** Our own record, signed with our node key. Addresses carry no /p2p suffix. */
export async function signPeerRecord (privateKey: PrivateKey, nodeToken: string, addrs: Multiaddr[], seq: bigint): Promise<PeerRecord> {
  const bytes = addrs.slice(0, MAX_ADDRS_PER_RECORD).map(a => withoutPeer(a).bytes)
  const signature = Uint8Array.from(await privateKey.sign(peerRecordSigningBytes({ tokenHash: tokenHash(nodeToken), addrs: bytes, seq })))
  return { nodeToken, addrs: bytes.map(b => Uint8Array.from(b)), seq, signature }
}

/** Checks the node token (a member of this realm, for the peer it names) and the member's signature. */
export async function verifyPeerRecord (record: PeerRecord, options: RecordVerifyOptions): Promise<VerifiedRecord> {
  let node: VerifiedNode
  try {
    node = await verifyNodeToken(record.nodeToken, {
      realm: options.realm,
      cache: options.tokenCache,
      now: options.now,
      skewSeconds: options.skewSeconds,
      isRevoked: options.isRevoked
    })
  } catch (err) {
    throw new RecordInvalidError(`peer record carries an invalid node token: ${(err as Error).message}`, { cause: err })
  }
  const peerId = peerIdFromString(node.claims.sub)
  const signed = peerRecordSigningBytes({ tokenHash: node.hash, addrs: record.addrs, seq: record.seq })
  if (peerId.publicKey == null || !(await peerId.publicKey.verify(signed, record.signature))) {
    throw new RecordInvalidError(`peer record of ${node.claims.sub} is not signed by its node key`)
  }
  const addrs: Multiaddr[] = []
  for (const bytes of record.addrs) {
    try {
      addrs.push(multiaddr(bytes))
    } catch (err) {
      throw new RecordInvalidError(`peer record of ${node.claims.sub} holds an address that does not parse`, { cause: err })
    }
  }
  return { peerId, peer: node.claims.sub, addrs, seq: record.seq, node, record }
}
