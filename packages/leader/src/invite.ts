/**
 * Making an invitation: the signed invitation token (@realmesh/token), its one-time secret, and
 * the two forms it is handed over in (invitation-uri.ts reads them back):
 *
 *   URI   realmesh://invite?v=1&t=<invitation token>&s=<secret>
 *   JSON  { "v": 1, "type": "realmesh-invitation", "id", "realm", "realmName", "leader",
 *           "bootstrap": [...], "expiresAt", "secret", "token" }
 *
 * Everything but the secret is in the token, signed by the leader (the id is its jti, the expiry
 * its exp, the bootstrap addresses and the realm descriptor its claims); the JSON repeats those
 * for an app that only shows them, and a node verifies the token before it believes any of it.
 */
import { issueInvitationToken } from '@realmesh/token'
import { announcedAddrs, interfaceIps, INVITATION_URI_PREFIX } from '@realmesh/node'
import { randomUUID } from 'node:crypto'
import { LeaderError } from './errors.js'
import { MAX_INVITATION_TTL_SECONDS, MAX_INVITATION_USES } from './invitations.js'
import { MAX_ATTRIBUTES_BYTES } from './answers.js'
import type { InvitationBook } from './invitations.js'
import type { PrivateKey } from '@libp2p/interface'
import type { RealmNode } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'

export const DEFAULT_INVITATION_TTL_SECONDS = 3600
const MAX_ATTRS = 16
const MAX_BOOTSTRAP = 8

export interface InviteOptions {
  /** @default 3600 */
  ttlSeconds?: number
  /** how many nodes may join with it. @default 1 */
  uses?: number
  /** ext.attrs of the node tokens it gets (at most 16, keys of 1-64 and values of at most 256 characters) */
  attrs?: Record<string, string>
}

/** the JSON form (what an app scanning the code may also be given) */
export interface InvitationJson {
  v: 1
  type: 'realmesh-invitation'
  id: string
  realm: string
  realmName: string
  leader: string
  bootstrap: string[]
  /** ISO 8601 */
  expiresAt: string
  uses: number
  secret: string
  token: string
}

export interface Invitation extends InvitationJson {
  uri: string
}

export interface InviteContext {
  key: PrivateKey
  realm: RealmDescriptor
  node: RealmNode
  now: () => number
}

/** Signs an invitation and adds it to `book` (INVITATION_INVALID, INVITATIONS_FULL). */
export async function createInvitation (book: InvitationBook, ctx: InviteContext, options: InviteOptions): Promise<Invitation> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_INVITATION_TTL_SECONDS
  const uses = options.uses ?? 1
  const attrs = { ...options.attrs }
  checkInvite(ttlSeconds, uses, attrs)
  const id = randomUUID()
  const bootstrap = leaderAddresses(ctx.node)
  const token = await issueInvitationToken(ctx.key, { descriptor: ctx.realm, bootstrap, ttlSeconds, jti: id, now: ctx.now })
  const secret = book.newSecret()
  const createdAt = ctx.now()
  // the token's exp is whole seconds: the invitation ends exactly then
  const expiresAt = (Math.floor(createdAt / 1000) + ttlSeconds) * 1000
  book.add({ id, secret, token, createdAt, expiresAt, uses, usedBy: [], attrs })
  const json: InvitationJson = {
    v: 1,
    type: 'realmesh-invitation',
    id,
    realm: ctx.realm.id,
    realmName: ctx.realm.name,
    leader: ctx.realm.leader.peerId,
    bootstrap,
    expiresAt: new Date(expiresAt).toISOString(),
    uses,
    secret,
    token
  }
  return { ...json, uri: invitationUri(token, secret) }
}

export function invitationUri (token: string, secret: string): string {
  return `${INVITATION_URI_PREFIX}${new URLSearchParams({ v: '1', t: token, s: secret }).toString()}`
}

function checkInvite (ttlSeconds: number, uses: number, attrs: Record<string, string>): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_INVITATION_TTL_SECONDS) {
    throw new LeaderError('INVITATION_INVALID', `an invitation lasts 1 s to ${MAX_INVITATION_TTL_SECONDS / 86_400} days; got ${String(ttlSeconds)} s`)
  }
  if (!Number.isSafeInteger(uses) || uses < 1 || uses > MAX_INVITATION_USES) {
    throw new LeaderError('INVITATION_INVALID', `an invitation admits 1 to ${MAX_INVITATION_USES} nodes; got ${String(uses)}`)
  }
  const entries = Object.entries(attrs)
  if (entries.length > MAX_ATTRS) throw new LeaderError('INVITATION_INVALID', `at most ${MAX_ATTRS} attributes; got ${entries.length}`)
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 64 || typeof value !== 'string' || value.length > 256) {
      throw new LeaderError('INVITATION_INVALID', `attribute ${JSON.stringify(key.slice(0, 64))}: names are 1 to 64 characters, values at most 256`)
    }
  }
  if (Buffer.byteLength(JSON.stringify(attrs)) > MAX_ATTRIBUTES_BYTES) throw new LeaderError('INVITATION_INVALID', `the attributes take more than ${MAX_ATTRIBUTES_BYTES} bytes`)
}

/**
 * Where an invited node finds the leader: the addresses its node announces to members (no
 * loopback when it has others: the code is scanned on another device), each with /p2p/.
 */
function leaderAddresses (node: RealmNode): string[] {
  const self = node.peerId.toString()
  return announcedAddrs(node.listenAddrs(), interfaceIps()).addrs
    .slice(0, MAX_BOOTSTRAP)
    .map(a => `${a.toString()}/p2p/${self}`)
}
