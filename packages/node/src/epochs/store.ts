/**
 * Epochs as JSON (DIR/epochs.json of a node and of the leader), and an EpochStore in a JSON file
 * written atomically with mode 0600:
 *
 *   { "epoch": 4, "startsAt": "2026-12-06T10:00:00.000Z", "overlapMs": 360000,
 *     "salt": "<base64url>", "signature": "<base64url>" }
 */
import { jsonListFile } from '../util/json-file.js'
import type { Epoch } from '@realmesh/wire'
import type { EpochStore } from './epochs.js'

export interface EpochJson {
  epoch: number
  /** ISO 8601: when the leader made the salt */
  startsAt: string
  /** how long after startsAt interests are registered under the previous epoch as well */
  overlapMs: number
  /** base64url, 32 bytes */
  salt: string
  /** base64url */
  signature: string
}

export function epochToJson (epoch: Epoch): EpochJson {
  return {
    epoch: Number(epoch.epoch),
    startsAt: new Date(Number(epoch.startsAtMs)).toISOString(),
    overlapMs: Number(epoch.overlapMs),
    salt: Buffer.from(epoch.salt).toString('base64url'),
    signature: Buffer.from(epoch.signature).toString('base64url')
  }
}

/** the epoch a JSON object describes, or undefined when it is not one (its signature is checked elsewhere) */
export function epochFromJson (value: unknown): Epoch | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const startsAt = typeof v.startsAt === 'string' ? Date.parse(v.startsAt) : NaN
  if (typeof v.epoch !== 'number' || !Number.isSafeInteger(v.epoch) || v.epoch < 1) return undefined
  if (typeof v.overlapMs !== 'number' || !Number.isSafeInteger(v.overlapMs) || v.overlapMs < 0) return undefined
  if (typeof v.salt !== 'string' || typeof v.signature !== 'string' || !Number.isFinite(startsAt) || startsAt <= 0) return undefined
  return {
    epoch: BigInt(v.epoch),
    startsAtMs: BigInt(startsAt),
    overlapMs: BigInt(v.overlapMs),
    salt: Uint8Array.from(Buffer.from(v.salt, 'base64url')),
    signature: Uint8Array.from(Buffer.from(v.signature, 'base64url'))
  }
}

/** An EpochStore in a JSON file (an array of EpochJson), written atomically, mode 0600. */
export function fileEpochStore (path: string): EpochStore {
  return jsonListFile(path, epochToJson, epochFromJson)
}
