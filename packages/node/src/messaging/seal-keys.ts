/**
 * The keys that seal subject message data (the scheme: @realmesh/wire sealing.ts): this node's
 * identity's X25519 key, made once from its Ed25519 key, and the X25519 keys of the identities it
 * sends to and receives from, made from their peer ids (the ids their interest tokens name) and
 * kept in a bounded cache, since the conversion costs a modular inversion (a few hundred µs).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { UndecryptableError, receiverSessionKey, senderSessionKey, x25519FromEd25519Public, x25519FromEd25519Seed, x25519PublicKey } from '@realmesh/wire'
import { BoundedMap } from '../util/bounded-map.js'
import type { KeyObject } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'

/** identities whose X25519 keys are kept, and for how long */
const MAX_PEER_KEYS = 4096
const PEER_KEY_TTL_MS = 3_600_000

interface IdentityKey { ed: Uint8Array, x: KeyObject }

/** what a session is bound to besides the two identities */
export interface SessionInput {
  subjectKey: Uint8Array
  session: Uint8Array
}

export class SealKeys {
  private readonly self: KeyObject
  private readonly identity: Uint8Array
  private readonly peers = new BoundedMap<string, IdentityKey>({ maxSize: MAX_PEER_KEYS, ttlMs: PEER_KEY_TTL_MS })

  /** `identityKey`: the Ed25519 key this node's interests are signed with */
  constructor (identityKey: PrivateKey) {
    if (identityKey.type !== 'Ed25519') throw new TypeError(`an identity key is Ed25519, got ${identityKey.type}`)
    this.self = x25519FromEd25519Seed(identityKey.raw.subarray(0, 32))
    this.identity = identityKey.publicKey.raw
  }

  /** a sender session to `receiver` (an identity peer id): its ephemeral public key and its data key */
  sender (receiver: string, input: SessionInput): { ephemeral: Uint8Array<ArrayBuffer>, key: KeyObject } {
    const peer = this.peer(receiver)
    return senderSessionKey(this.self, peer.x, { ...input, senderIdentity: this.identity, receiverIdentity: peer.ed })
  }

  /** the data key of a session that `sender` (an identity peer id) opened to us with `ephemeral` */
  receiver (sender: string, input: SessionInput, ephemeral: Uint8Array): KeyObject {
    const peer = this.peer(sender)
    return receiverSessionKey(this.self, peer.x, { ...input, senderIdentity: peer.ed, receiverIdentity: this.identity }, ephemeral)
  }

  private peer (identity: string): IdentityKey {
    const known = this.peers.get(identity)
    if (known != null) return known
    const { publicKey } = peerIdFromString(identity)
    if (publicKey?.type !== 'Ed25519') throw new UndecryptableError(`identity ${identity} has no Ed25519 key to seal with`)
    const key = { ed: publicKey.raw, x: x25519PublicKey(x25519FromEd25519Public(publicKey.raw)) }
    this.peers.set(identity, key)
    return key
  }
}
