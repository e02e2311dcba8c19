/**
 * Verifies an interest as it travels between members (REGISTER, MATCH, a message stream's open):
 * the node it names (its signed record, or the node at the other end of an admitted connection),
 * the interest token (signed by the identity, this realm, in time), that the interest names that
 * node and this subject key, and the identity (the node's own token, or an identity token bound to
 * the node) that signed it. Each failure is a coded error; nothing is trusted before all passed.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeTokenUnverified, fingerprintHex, verifyIdentityToken, verifyInterestToken, TOKEN_TYPES } from '@realmesh/token'
import { WireErrorCode } from '@realmesh/wire'
import { SubjectError } from './errors.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerRecord } from '@realmesh/wire'
import type { Audience, RealmDescriptor, Role, TokenCache } from '@realmesh/token'
import type { RecordVerifier } from '../peers/records.js'
import type { VerifiedNode } from '../handshake/handshake.js'

export interface VerifiedInterest {
  /** hex of the 32-byte subject key */
  keyHex: string
  key: Uint8Array<ArrayBuffer>
  /** the identity's peer id (the interest token's iss and sub) */
  identity: string
  /** the node to reach the identity at */
  node: PeerId
  nodeId: string
  role: Role
  audience: Audience
  threshold: number
  jti: string
  /** ms since the epoch */
  issuedAt: number
  expiresAt: number
  /** the identity's token attributes (ext.attrs), what attribute audiences look at */
  attrs: Record<string, string>
  /** the intent's attributes (the interest token's attrs): a message inherits them over the identity's */
  intentAttrs: Record<string, string>
  /** its node reads message attributes (the interest token lists the feature msg-attrs) */
  readsAttrs: boolean
  /** a receiver's bound on messages in flight to it, per sender node (the token's maxParallel), if it set one */
  maxParallel?: number
  interestToken: string
  identityToken: string
  /** the node's signed record (REGISTER, MATCH), with its addresses */
  record?: PeerRecord
  addrs: Multiaddr[]
}

export interface InterestInput {
  interestToken: string
  identityToken: string
  key: Uint8Array<ArrayBuffer>
  /** the interested node's signed record (REGISTER, MATCH) */
  record?: PeerRecord
  /** or its verified node token, when it is the remote of an admitted connection */
  node?: VerifiedNode
}

export interface InterestVerifierDeps {
  realm: RealmDescriptor
  tokenCache: TokenCache
  records: RecordVerifier
  now: () => number
  isRevoked: (jti: string, sub: string) => boolean
  skewSeconds: number
}

export class InterestVerifier {
  private readonly deps: InterestVerifierDeps

  constructor (deps: InterestVerifierDeps) {
    this.deps = deps
  }

  async verify (input: InterestInput): Promise<VerifiedInterest> {
    const { node, peerId, addrs } = await this.nodeOf(input)
    const options = { realm: this.deps.realm, cache: this.deps.tokenCache, now: this.deps.now, isRevoked: this.deps.isRevoked, skewSeconds: this.deps.skewSeconds }
    const interest = await verifyInterestToken(input.interestToken, options)
    const claims = interest.claims
    if (claims.node !== fingerprintHex(peerId)) {
      throw new SubjectError(WireErrorCode.INTEREST_NODE_MISMATCH, `the interest of ${claims.sub} names node ${claims.node}, not ${peerId.toString()} (${fingerprintHex(peerId)})`)
    }
    const keyHex = Buffer.from(input.key).toString('hex')
    if (claims.subject !== keyHex) {
      throw new SubjectError(WireErrorCode.INTEREST_SUBJECT_MISMATCH, `the interest of ${claims.sub} is for subject key ${claims.subject}, not ${keyHex}`)
    }
    let identity: string
    let attrs: Record<string, string>
    if (typeOf(input.identityToken) === TOKEN_TYPES.node) {
      if (input.identityToken !== node.token) {
        throw new SubjectError(WireErrorCode.INTEREST_IDENTITY_MISMATCH, `the identity token is a node token, but not ${peerId.toString()}'s own`)
      }
      identity = node.claims.sub
      attrs = node.claims.ext?.attrs ?? {}
    } else {
      const verified = await verifyIdentityToken(input.identityToken, { ...options, expectedNode: peerId })
      identity = verified.claims.sub
      attrs = verified.claims.ext?.attrs ?? {}
    }
    if (claims.iss !== identity) {
      throw new SubjectError(WireErrorCode.INTEREST_IDENTITY_MISMATCH, `the interest is signed by ${claims.iss}, but the identity using ${peerId.toString()} is ${identity}`)
    }
    return {
      keyHex,
      key: Uint8Array.from(input.key),
      identity,
      node: peerId,
      nodeId: peerId.toString(),
      role: claims.role,
      audience: claims.audience,
      threshold: claims.threshold,
      jti: claims.jti,
      issuedAt: claims.iat * 1000,
      expiresAt: claims.exp * 1000,
      attrs,
      intentAttrs: claims.attrs ?? {},
      readsAttrs: claims.features?.includes('msg-attrs') === true,
      maxParallel: claims.maxParallel,
      interestToken: input.interestToken,
      identityToken: input.identityToken,
      record: input.record,
      addrs
    }
  }

  private async nodeOf (input: InterestInput): Promise<{ node: VerifiedNode, peerId: PeerId, addrs: Multiaddr[] }> {
    if (input.record != null) {
      const verified = await this.deps.records.verify(input.record)
      return { node: verified.node, peerId: verified.peerId, addrs: verified.addrs }
    }
    if (input.node != null) return { node: input.node, peerId: peerIdFromString(input.node.claims.sub), addrs: [] }
    throw new SubjectError(WireErrorCode.RECORD_INVALID, 'an interest needs the signed record of the node it names')
  }
}

function typeOf (token: string): unknown {
  try {
    return decodeTokenUnverified(token).header.typ
  } catch {
    return undefined
  }
}
