/**
 * Replacing a node through the running leader:
 *   POST /replace   body { "old": PEER_ID, "new": PEER_ID, "reason"?: string } -> ReplaceJson
 * The old node is revoked; the answer holds the new node's tokens (the API is the operator's, on
 * loopback, behind the bearer token, like approve).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { revocationToJson } from '@realmesh/node'
import { ApiRequestError } from '../server.js'
import { MAX_REASON_CHARS } from './pending.js'
import type { Route } from '../router.js'
import type { IssuedEntry, ReplaceResult } from '@realmesh/leader'
import type { RevocationJson } from '@realmesh/node'

/** one token a replacement issued */
export interface IssuedTokenJson {
  /** the token's sub: the new node, or the identity */
  peer: string
  /** an identity token: the node it is bound to */
  node?: string
  jti: string
  /** ISO 8601 */
  expiresAt: string
  /** ISO 8601; absent: not renewable */
  renewUntil?: string
  attrs: Record<string, string>
  /** the jti of the old node's token it stands in for */
  replaces?: string
  token: string
}

export interface ReplaceJson {
  old: string
  new: string
  revocations: RevocationJson[]
  nodeToken: IssuedTokenJson
  identityToken?: IssuedTokenJson
}

export function replaceResultToJson (result: ReplaceResult): ReplaceJson {
  return {
    old: result.old,
    new: result.new,
    revocations: result.revocations.map(revocationToJson),
    nodeToken: issuedJson(result.nodeEntry, result.nodeToken),
    ...(result.identityEntry === undefined || result.identityToken === undefined ? {} : { identityToken: issuedJson(result.identityEntry, result.identityToken) })
  }
}

function issuedJson (entry: IssuedEntry, token: string): IssuedTokenJson {
  return {
    peer: entry.peer,
    ...(entry.node === undefined ? {} : { node: entry.node }),
    jti: entry.jti,
    expiresAt: new Date(entry.exp * 1000).toISOString(),
    ...(entry.renewUntil === undefined ? {} : { renewUntil: new Date(entry.renewUntil * 1000).toISOString() }),
    attrs: { ...entry.attrs },
    ...(entry.replaces === undefined ? {} : { replaces: entry.replaces }),
    token
  }
}

/** what the route needs of the leader service (LeaderService has it) */
export interface Replacer {
  replace: (oldPeer: string, newPeer: string, options: { reason?: string, signal?: AbortSignal }) => Promise<ReplaceResult>
}

export function replaceRoutes (replacer: Replacer): Route[] {
  return [{
    method: 'POST',
    path: '/replace',
    auth: true,
    handle: async ({ body, signal }) => {
      const { old, new: next, reason } = (body ?? {}) as { old?: unknown, new?: unknown, reason?: unknown }
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)) throw new ApiRequestError(400, 'BAD_REQUEST', `reason must be a string of at most ${MAX_REASON_CHARS} characters`)
      return replaceResultToJson(await replacer.replace(peerField(old, 'old'), peerField(next, 'new'), { reason, signal }))
    }
  }]
}

function peerField (value: unknown, field: string): string {
  try {
    if (typeof value !== 'string' || value.length > 128) throw new Error('not a string')
    return peerIdFromString(value).toString()
  } catch {
    throw new ApiRequestError(400, 'PEER_ID_INVALID', `${field} must be a peer id (12D3KooW...)`)
  }
}
