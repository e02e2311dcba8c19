/**
 * Signed peer records: a member's node token plus the addresses it listens on, signed by the
 * member itself, with a sequence number so a newer record replaces an older one and never the
 * other way round.
 */
import { createHash } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { verifyNodeToken, tokenHash, TokenError, signBytes, verifyPeerSignature } from '@realmesh/token'
import { peerRecordSigningBytes, RealmeshError, WireErrorCode, MAX_ADDRS_PER_RECORD } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import { withoutPeer } from '../util/multiaddr.js'
import type { PeerRecord, WakeSchedule } from '@realmesh/wire'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmDescriptor, TokenCache } from '@realmesh/token'
import type { VerifiedNode } from '../handshake/handshake.js'

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
  isRevoked: (jti: string, sub: string) => boolean
  skewSeconds?: number
}

/**
 * Token refusals that time or the leader brought about (the token ran out, or was revoked, or is
 * not valid yet): they say nothing bad about whoever passed the token on.
 */
export const NOT_THE_FORWARDERS_FAULT: ReadonlySet<string> = new Set(['TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_NOT_YET_VALID'])

/** A peer record failed verification; `tokenCode` holds the token refusal when that was the cause. */
export class RecordInvalidError extends RealmeshError {
  static override name = 'RecordInvalidError'
  readonly tokenCode: string | undefined

  constructor (message: string, options?: { cause?: unknown }) {
    super(WireErrorCode.RECORD_INVALID, message, options)
    this.tokenCode = options?.cause instanceof TokenError ? options.cause.code : undefined
  }
}

/** Our own record, signed with our node key (and our wake schedule, when we sleep). Addresses carry no /p2p suffix. */
export function signPeerRecord (privateKey: PrivateKey, nodeToken: string, addrs: Multiaddr[], seq: bigint, wake?: WakeSchedule): PeerRecord {
  const bytes = addrs.slice(0, MAX_ADDRS_PER_RECORD).map(a => Uint8Array.from(withoutPeer(a).bytes))
  const signature = signBytes(privateKey, peerRecordSigningBytes({ tokenHash: tokenHash(nodeToken), addrs: bytes, seq, wake }))
  return { nodeToken, addrs: bytes, seq, signature, ...(wake == null ? {} : { wake }) }
}

interface Checked { peerId: PeerId, addrs: Multiaddr[] }

/**
 * Records whose signature checked out, for every RecordVerifier of the process: the key is a
 * hash of exactly what was signed and the signature, so a hit is the same record whoever asks
 * (a testnet of 1,000 nodes in 8 processes checked each record once per node: 4% of its CPU
 * while it grew). The node token is verified per use, through each node's token cache.
 */
const sharedChecked = new BoundedMap<string, Checked>({ maxSize: 16_384, ttlMs: 3_600_000 })

/**
 * Verifies peer records. The same record reaches a node many times (UPDATE, NLIST answers), so
 * the expensive part (signature, address parsing) is remembered per record, bounded, for the
 * process; the node token is re-verified every time (through the token cache), so expiry and
 * revocation still apply.
 */
export class RecordVerifier {
  private readonly checked = sharedChecked
  private readonly options: RecordVerifyOptions

  constructor (options: RecordVerifyOptions) {
    this.options = options
  }

  async verify (record: PeerRecord): Promise<VerifiedRecord> {
    let node: VerifiedNode
    try {
      node = await verifyNodeToken(record.nodeToken, {
        realm: this.options.realm,
        cache: this.options.tokenCache,
        now: this.options.now,
        skewSeconds: this.options.skewSeconds,
        isRevoked: this.options.isRevoked
      })
    } catch (err) {
      throw new RecordInvalidError(`peer record carries an invalid node token: ${(err as Error).message}`, { cause: err })
    }
    const signed = peerRecordSigningBytes({ tokenHash: node.hash, addrs: record.addrs, seq: record.seq, wake: record.wake })
    // the key covers exactly what is signed and the signature, so a hit is the same verified record
    const key = createHash('sha256').update(signed).update(record.signature).digest('hex')
    let checked = this.checked.get(key)
    if (checked == null) {
      if (!verifyPeerSignature(node.claims.sub, signed, record.signature)) {
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
      checked = { peerId: peerIdFromString(node.claims.sub), addrs }
      this.checked.set(key, checked)
    }
    return { peerId: checked.peerId, peer: node.claims.sub, addrs: checked.addrs, seq: record.seq, node, record }
  }
}

/** Checks the node token (a member of this realm, for the peer it names) and the member's signature. */
export async function verifyPeerRecord (record: PeerRecord, options: RecordVerifyOptions): Promise<VerifiedRecord> {
  return new RecordVerifier(options).verify(record)
}
