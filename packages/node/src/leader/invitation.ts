/**
 * Reading an invitation a node joins with (`realmesh leader invite` makes them): the URI
 * `realmesh://invite?v=1&t=<invitation token>&s=<secret>`, or its JSON form (a scanning app's
 * `{ "v": 1, "type": "realmesh-invitation", ..., "secret", "token" }`: only `token` and `secret`
 * are read from it, the rest is for display). The token is verified (signed by the leader the
 * realm descriptor in it names, not expired); the secret is proved to the leader in the token
 * request (TokenRequestInit.invitation), never sent.
 */
import { TokenError, verifyInvitationToken } from '@realmesh/token'
import type { RealmDescriptor } from '@realmesh/token'

export const INVITATION_URI_PREFIX = 'realmesh://invite?'
/** a URI larger than this is no invitation (a QR code holds at most 2953 bytes) */
const MAX_INVITATION_CHARS = 8192

export interface ReadInvitation {
  /** the invitation's id (its token's jti) */
  id: string
  secret: string
  token: string
  realm: RealmDescriptor
  bootstrap: string[]
  /** ms since the epoch */
  expiresAt: number
}

/** An invitation that is not one: code INVITATION_MALFORMED, or the token's refusal (TOKEN_EXPIRED, ...). */
export class InvitationError extends Error {
  static override name = 'InvitationError'
  readonly code: string

  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InvitationError'
    this.code = code
  }
}

/** Parses and verifies an invitation URI or its JSON form. */
export async function readInvitation (text: string, options: { now?: () => number } = {}): Promise<ReadInvitation> {
  const { token, secret } = partsOf(text.trim())
  try {
    const { claims } = await verifyInvitationToken(token, { now: options.now })
    return { id: claims.jti, secret, token, realm: claims.descriptor, bootstrap: claims.bootstrap, expiresAt: claims.exp * 1000 }
  } catch (err) {
    if (err instanceof TokenError) {
      const code = err.code === 'TOKEN_EXPIRED' ? 'INVITATION_EXPIRED' : err.code
      throw new InvitationError(code, `the invitation ${err.code === 'TOKEN_EXPIRED' ? 'has expired' : 'does not verify'}: ${err.message}`, { cause: err })
    }
    throw err
  }
}

function partsOf (text: string): { token: string, secret: string } {
  const malformed = (why: string): never => { throw new InvitationError('INVITATION_MALFORMED', `not a realmesh invitation: ${why}`) }
  if (text.length > MAX_INVITATION_CHARS) malformed(`longer than ${MAX_INVITATION_CHARS} characters`)
  let token: unknown
  let secret: unknown
  if (text.startsWith('{')) {
    let doc: Record<string, unknown> = {}
    try {
      doc = JSON.parse(text) as Record<string, unknown>
    } catch {
      malformed('it starts with { but is not JSON')
    }
    if (doc.type !== 'realmesh-invitation' || doc.v !== 1) malformed('the JSON form has "v": 1 and "type": "realmesh-invitation"')
    token = doc.token
    secret = doc.secret
  } else {
    if (!text.startsWith(INVITATION_URI_PREFIX)) malformed(`it does not start with ${INVITATION_URI_PREFIX}`)
    const params = new URLSearchParams(text.slice(INVITATION_URI_PREFIX.length))
    if (params.get('v') !== '1') malformed('v=1 is missing (an invitation from a newer realmesh?)')
    token = params.get('t')
    secret = params.get('s')
  }
  if (typeof token !== 'string' || token === '') malformed('the invitation token (t) is missing')
  if (typeof secret !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(secret)) malformed('the secret (s) is missing or not 16-128 base64url characters')
  return { token: token as string, secret: secret as string }
}
