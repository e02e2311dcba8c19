/**
 * Refusal and drop codes as metric label values. A code can come from far away (a remote's NACK,
 * a receiver application's msg.reject(code)), so it is used as a label only when it is one of the
 * codes realmesh itself defines; anything else is counted as OTHER. That keeps every labelled
 * series set bounded by this list, whatever peers send.
 */
import { WireErrorCode } from '@realmesh/wire'
import type { TokenErrorCode } from '@realmesh/token'
import { TunnelErrorCode } from '../tunnel/errors.js'
import { ForwardErrorCode } from '../forward/errors.js'
import type { OutboxErrorCode } from '../outbox/errors.js'

/** the label value of a code realmesh does not define */
export const OTHER_CODE = 'OTHER'

/** every token refusal code (a Record, so that the compiler says when @realmesh/token adds one) */
const TOKEN_CODES: Record<TokenErrorCode, true> = {
  TOKEN_MALFORMED: true,
  TOKEN_ALG_NOT_ALLOWED: true,
  TOKEN_WRONG_TYPE: true,
  TOKEN_BAD_SIGNATURE: true,
  TOKEN_EXPIRED: true,
  TOKEN_NOT_YET_VALID: true,
  TOKEN_WRONG_REALM: true,
  TOKEN_WRONG_AUDIENCE: true,
  TOKEN_UNTRUSTED_ISSUER: true,
  TOKEN_PEER_MISMATCH: true,
  TOKEN_NODE_MISMATCH: true,
  TOKEN_REVOKED: true,
  TOKEN_TTL_TOO_LONG: true
}

const OUTBOX_CODES: Record<OutboxErrorCode, true> = { OUTBOX_FULL: true, OUTBOX_FAILED: true, OUTBOX_KEPT: true }

/** the code of NodeStateError (publish on a node that is not started, or stopping) */
const LOCAL_CODES = ['NODE_STATE']

const KNOWN = new Set<string>([...Object.values(WireErrorCode), ...Object.keys(TOKEN_CODES), ...Object.keys(OUTBOX_CODES), ...Object.values(TunnelErrorCode), ...Object.values(ForwardErrorCode), ...LOCAL_CODES])

/** `code` when realmesh defines it, else OTHER */
export function codeLabel (code: string | undefined): string {
  return code != null && KNOWN.has(code) ? code : OTHER_CODE
}
