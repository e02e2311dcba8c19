/**
 * Revoked token ids (jti), each kept until the token it names has expired: an expired token is
 * refused anyway, so the list never outgrows the tokens alive at once. Persisted as revoked.json:
 * `{ version: 1, revoked: [{ jti, exp }] }` (exp in seconds since the epoch).
 */
import { LeaderError } from './errors.js'

const MAX_JTI_LENGTH = 128

export class RevocationList {
  private readonly entries = new Map<string, number>()
  private readonly now: () => number

  constructor (now: () => number) {
    this.now = now
  }

  get size (): number {
    return this.entries.size
  }

  /** Revokes `jti` until `exp` (seconds); a later exp for the same jti wins. */
  add (jti: string, exp: number): void {
    checkJti(jti)
    const known = this.entries.get(jti)
    if (known === undefined || known < exp) this.entries.set(jti, exp)
  }

  has (jti: string): boolean {
    const exp = this.entries.get(jti)
    return exp !== undefined && exp * 1000 > this.now()
  }

  /** drops the entries whose token has expired; true when something was dropped */
  prune (): boolean {
    const nowSeconds = this.now() / 1000
    let dropped = false
    for (const [jti, exp] of this.entries) {
      if (exp <= nowSeconds) {
        this.entries.delete(jti)
        dropped = true
      }
    }
    return dropped
  }

  render (): string {
    this.prune()
    const revoked = [...this.entries].map(([jti, exp]) => ({ jti, exp }))
    return `${JSON.stringify({ version: 1, revoked }, null, 2)}\n`
  }

  /** loads revoked.json text (entries already expired are skipped) */
  load (text: string, path: string): void {
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new LeaderError('STATE_FILE_INVALID', `${path} is not JSON; expected { "version": 1, "revoked": [{ "jti", "exp" }] }`)
    }
    const revoked = typeof doc === 'object' && doc !== null && 'revoked' in doc ? doc.revoked : undefined
    if (!Array.isArray(revoked) || (doc as { version?: unknown }).version !== 1) {
      throw new LeaderError('STATE_FILE_INVALID', `${path}: expected { "version": 1, "revoked": [{ "jti", "exp" }] }`)
    }
    revoked.forEach((entry: unknown, i) => {
      const { jti, exp } = (typeof entry === 'object' && entry !== null ? entry : {}) as { jti?: unknown, exp?: unknown }
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH || typeof exp !== 'number' || !Number.isFinite(exp)) {
        throw new LeaderError('STATE_FILE_INVALID', `${path}: revoked[${i}] is not { "jti": string, "exp": seconds }`)
      }
      this.add(jti, exp)
    })
    this.prune()
  }
}

export function checkJti (jti: unknown): asserts jti is string {
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new LeaderError('JTI_INVALID', `a token id (jti) is 1 to ${MAX_JTI_LENGTH} characters; got ${typeof jti === 'string' ? `${jti.length} characters` : typeof jti}`)
  }
}
