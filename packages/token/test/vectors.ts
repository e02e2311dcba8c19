/**
 * Golden token vectors: the inputs (fixed seeds, fixed clock, explicit jti) and the one function
 * that turns them into a token. Used by make-vectors.ts to write test/vectors/*.json and by
 * vectors.test.ts to check that issuing the same inputs still gives the same bytes.
 */
import { createHmac } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  createRealmDescriptor,
  decodeTokenUnverified,
  issueIdentityToken,
  issueInterestToken,
  issueInvitationToken,
  issueNodeToken
} from '../src/index.js'
import { FIXED_NOW_MS, IDENTITY_SEED_HEX, LEADER_SEED_HEX, NODE_SEED_HEX, signRaw, STRANGER_SEED_HEX } from './fixtures.js'
import type { Audience, RealmDescriptor, RealmPolicy, Role, TokenExtensions, TokenKind } from '../src/index.js'

export interface VectorInputs {
  /** 32-byte Ed25519 seeds, hex */
  leaderSeedHex: string
  nodeSeedHex: string
  identitySeedHex: string
  /** the clock, milliseconds since the epoch (iat = floor(nowMs / 1000); also the realm's createdAt) */
  nowMs: number
  realm: { name: string, bootstrap: string[], policy: Partial<RealmPolicy> }
  jti: string
  ttlSeconds: number
  /** kind-specific inputs: ext (node, identity); subject, role, threshold, audience (interest); bootstrap (invitation) */
  extra: {
    ext?: TokenExtensions
    subject?: string
    role?: Role
    threshold?: number
    audience?: Audience
    bootstrap?: string[]
  }
}

export interface TokenVector {
  description: string
  kind: TokenKind
  inputs: VectorInputs
  /** the realm descriptor the inputs make */
  realm: RealmDescriptor
  /** the exact token issuing the inputs must give */
  token: string
  header: Record<string, unknown>
  claims: Record<string, unknown>
}

export const VECTOR_KINDS: readonly TokenKind[] = ['node', 'identity', 'interest', 'invitation']

const seed = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))

/** Issues the token a vector's inputs describe; returns it with the realm descriptor used. */
export async function issueVector (kind: TokenKind, inputs: VectorInputs): Promise<{ token: string, realm: RealmDescriptor }> {
  const leader = await generateKeyPairFromSeed('Ed25519', seed(inputs.leaderSeedHex))
  const node = await generateKeyPairFromSeed('Ed25519', seed(inputs.nodeSeedHex))
  const identity = await generateKeyPairFromSeed('Ed25519', seed(inputs.identitySeedHex))
  const now = (): number => inputs.nowMs
  const realm = createRealmDescriptor({ ...inputs.realm, leaderKey: leader, now })
  const common = { now, jti: inputs.jti, ttlSeconds: inputs.ttlSeconds }
  const nodeId = peerIdFromPrivateKey(node)
  const { extra } = inputs
  let token: string
  switch (kind) {
    case 'node':
      token = await issueNodeToken(leader, { ...common, realm, subject: nodeId, ext: extra.ext })
      break
    case 'identity':
      token = await issueIdentityToken(leader, { ...common, realm, subject: peerIdFromPrivateKey(identity), node: nodeId, ext: extra.ext })
      break
    case 'interest':
      token = await issueInterestToken(identity, {
        ...common,
        realm,
        subject: extra.subject ?? '',
        role: extra.role ?? 'both',
        threshold: extra.threshold,
        audience: extra.audience,
        node: nodeId
      })
      break
    case 'invitation':
      token = await issueInvitationToken(leader, { ...common, descriptor: realm, bootstrap: extra.bootstrap })
      break
  }
  return { token, realm }
}

/** The inputs of the checked-in vectors. Changing them means regenerating the vectors. */
export async function vectorInputs (): Promise<Record<TokenKind, { description: string, inputs: VectorInputs }>> {
  const leaderId = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed(LEADER_SEED_HEX))).toString()
  const nodeId = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed(NODE_SEED_HEX))).toString()
  const base = {
    leaderSeedHex: LEADER_SEED_HEX,
    nodeSeedHex: NODE_SEED_HEX,
    identitySeedHex: IDENTITY_SEED_HEX,
    nowMs: FIXED_NOW_MS,
    realm: { name: 'vector-realm', bootstrap: [`/ip4/192.0.2.1/tcp/4001/p2p/${leaderId}`], policy: { allowSelfIssued: false, maxTokenTtlSeconds: 604_800 } }
  }
  return {
    node: {
      description: 'node token issued by the leader (RFC 8032 TEST 1 key) for the node (TEST 2 key), with every extension',
      inputs: {
        ...base,
        jti: '00000000-0000-4000-8000-000000000001',
        ttlSeconds: 86_400,
        extra: { ext: { hostname: 'node-1.example.com', port: 4001, multiaddrs: ['/ip4/192.0.2.7/tcp/4001', '/ip6/2001:db8::7/udp/4001/quic-v1'], attrs: { zone: 'eu-west', team: 'blue' } } }
      }
    },
    identity: {
      description: 'identity token issued by the leader for the identity (TEST 3 key) using the node; ext.node is the node fingerprint',
      inputs: { ...base, jti: '00000000-0000-4000-8000-000000000002', ttlSeconds: 86_400, extra: { ext: { attrs: { role: 'operator' } } } }
    },
    interest: {
      description: 'interest token signed by the identity: receiver of "chat/lobby", audience one identity, reachable at the node',
      inputs: {
        ...base,
        jti: '00000000-0000-4000-8000-000000000003',
        ttlSeconds: 300,
        extra: { subject: 'chat/lobby', role: 'receiver', threshold: 10, audience: { kind: 'identities', ids: [nodeId] } }
      }
    },
    invitation: {
      description: 'invitation token signed by the leader: the realm descriptor and one bootstrap address',
      inputs: { ...base, jti: '00000000-0000-4000-8000-000000000004', ttlSeconds: 3600, extra: { bootstrap: [`/ip4/192.0.2.1/tcp/4001/p2p/${leaderId}`] } }
    }
  }
}

export interface RefusalCase {
  description: string
  /** the verifier to use */
  kind: TokenKind
  token: string
  /** the TokenError code the verifier must throw */
  code: string
  /** the claim the error must name */
  claim?: string
}

export interface RefusalVectors {
  description: string
  /** verify every case against this realm at this clock */
  realm: RealmDescriptor
  nowMs: number
  cases: RefusalCase[]
}

/** Stored bad tokens and the refusal each must get (built from the node vector's inputs). */
export async function refusalVectors (): Promise<RefusalVectors> {
  const { inputs } = (await vectorInputs()).node
  const { token: good, realm } = await issueVector('node', inputs)
  const leader = await generateKeyPairFromSeed('Ed25519', seed(inputs.leaderSeedHex))
  const stranger = await generateKeyPairFromSeed('Ed25519', seed(STRANGER_SEED_HEX))
  const leaderId = realm.leader.peerId
  const strangerId = peerIdFromPrivateKey(stranger).toString()
  const now = inputs.nowMs / 1000
  const [h = '', p = '', s = ''] = good.split('.')
  const claims = decodeTokenUnverified(good).claims
  const hdr = { alg: 'EdDSA', typ: 'rm-node+jwt', kid: leaderId }
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const flipped = Buffer.from(s, 'base64url')
  flipped[0] = (flipped[0] ?? 0) ^ 0x80
  const hsInput = `${b64({ alg: 'HS256', typ: 'rm-node+jwt', kid: leaderId })}.${p}`
  const { exp: _exp, ...noExp } = claims

  const cases: RefusalCase[] = [
    { description: 'two parts', kind: 'node', token: `${h}.${p}`, code: 'TOKEN_MALFORMED' },
    { description: 'payload is a JSON array', kind: 'node', token: `${h}.${b64([1, 2])}.${s}`, code: 'TOKEN_MALFORMED', claim: 'payload' },
    { description: 'exp missing', kind: 'node', token: signRaw(leader, hdr, noExp), code: 'TOKEN_MALFORMED', claim: 'exp' },
    { description: 'exp is a string', kind: 'node', token: signRaw(leader, hdr, { ...claims, exp: String(claims.exp) }), code: 'TOKEN_MALFORMED', claim: 'exp' },
    { description: 'alg none, no signature', kind: 'node', token: `${b64({ alg: 'none', typ: 'rm-node+jwt' })}.${p}.`, code: 'TOKEN_ALG_NOT_ALLOWED', claim: 'header.alg' },
    {
      description: 'alg HS256, HMAC keyed with the leader public key bytes',
      kind: 'node',
      token: `${hsInput}.${createHmac('sha256', leader.publicKey.raw).update(hsInput).digest('base64url')}`,
      code: 'TOKEN_ALG_NOT_ALLOWED',
      claim: 'header.alg'
    },
    { description: 'crit header', kind: 'node', token: signRaw(leader, { ...hdr, crit: ['exp'] }, claims), code: 'TOKEN_ALG_NOT_ALLOWED', claim: 'header.crit' },
    { description: 'node token given to the identity verifier', kind: 'identity', token: good, code: 'TOKEN_WRONG_TYPE', claim: 'header.typ' },
    { description: 'one bit of the signature flipped', kind: 'node', token: `${h}.${p}.${flipped.toString('base64url')}`, code: 'TOKEN_BAD_SIGNATURE', claim: 'signature' },
    { description: 'expired an hour ago', kind: 'node', token: signRaw(leader, hdr, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }), code: 'TOKEN_EXPIRED', claim: 'exp' },
    { description: 'not valid for another hour', kind: 'node', token: signRaw(leader, hdr, { ...claims, nbf: now + 3600 }), code: 'TOKEN_NOT_YET_VALID', claim: 'nbf' },
    { description: 'realm claim names another realm', kind: 'node', token: signRaw(leader, hdr, { ...claims, realm: 'another-realm' }), code: 'TOKEN_WRONG_REALM', claim: 'realm' },
    { description: 'aud names another realm', kind: 'node', token: signRaw(leader, hdr, { ...claims, aud: 'another-realm' }), code: 'TOKEN_WRONG_AUDIENCE', claim: 'aud' },
    {
      description: 'issued by a peer that is not the leader',
      kind: 'node',
      token: signRaw(stranger, { ...hdr, kid: strangerId }, { ...claims, iss: strangerId }),
      code: 'TOKEN_UNTRUSTED_ISSUER',
      claim: 'iss'
    },
    { description: 'lifetime 8 days, policy allows 7', kind: 'node', token: signRaw(leader, hdr, { ...claims, exp: now + 8 * 86_400 }), code: 'TOKEN_TTL_TOO_LONG', claim: 'exp' }
  ]
  return { description: 'tokens every realmesh verifier must refuse, with the code it must refuse them with', realm, nowMs: inputs.nowMs, cases }
}
