/**
 * Revocations as JSON (the files that keep them, `realmesh leader revocations --json`), and a
 * RevocationStore in a JSON file written atomically with mode 0600.
 *
 *   { "seq": 3, "peer": "12D3KooW...", "jti": "", "revokedAt": "2026-12-06T10:00:00.000Z",
 *     "until": "2026-12-13T10:00:30.000Z", "reason": "...", "signature": "<base64url>" }
 */
import { jsonListFile } from '../util/json-file.js'
import type { Revocation } from '@realmesh/wire'
import type { RevocationStore } from './revocations.js'

export interface RevocationJson {
  seq: number
  /** the peer whose tokens are revoked ('' when only `jti` is named) */
  peer: string
  /** the one token revoked ('' for every token of `peer`) */
  jti: string
  /** ISO 8601 */
  revokedAt: string
  /** ISO 8601: after this the revocation is forgotten (nothing it names can be valid by then) */
  until: string
  reason: string
  /** base64url */
  signature: string
}

export function revocationToJson (revocation: Revocation): RevocationJson {
  return {
    seq: Number(revocation.seq),
    peer: revocation.peer,
    jti: revocation.jti,
    revokedAt: new Date(Number(revocation.revokedAtMs)).toISOString(),
    until: new Date(Number(revocation.untilMs)).toISOString(),
    reason: revocation.reason,
    signature: Buffer.from(revocation.signature).toString('base64url')
  }
}

/** the revocation a JSON object describes, or undefined when it is not one (its signature is checked elsewhere) */
export function revocationFromJson (value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const revokedAt = typeof v.revokedAt === 'string' ? Date.parse(v.revokedAt) : NaN
  const until = typeof v.until === 'string' ? Date.parse(v.until) : NaN
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) return undefined
  if (typeof v.peer !== 'string' || typeof v.jti !== 'string' || typeof v.reason !== 'string' || typeof v.signature !== 'string') return undefined
  if (!Number.isFinite(revokedAt) || !Number.isFinite(until)) return undefined
  return {
    seq: BigInt(v.seq),
    peer: v.peer,
    jti: v.jti,
    revokedAtMs: BigInt(revokedAt),
    untilMs: BigInt(until),
    reason: v.reason,
    signature: Uint8Array.from(Buffer.from(v.signature, 'base64url'))
  }
}

/** A RevocationStore in a JSON file (an array of RevocationJson), written atomically, mode 0600. */
export function fileRevocationStore (path: string): RevocationStore {
  return jsonListFile(path, revocationToJson, revocationFromJson)
}
