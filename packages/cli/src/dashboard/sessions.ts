/**
 * Who may use the dashboard in a browser. `realmesh dashboard` asks the daemon (with the API token)
 * for a one-time login token and prints a URL that carries it in its fragment (never sent to the
 * server, so it is in no request line or Referer); the page trades it, once, for a session cookie
 * (HttpOnly, SameSite=Strict, Path=/). The token is dead after that trade, or after LOGIN_TTL_MS.
 *
 * Both are bounded in number (the least recently used goes first) and in time, and held in memory
 * only: a daemon restart ends every session. They are kept by their sha256, so that a lookup takes
 * the same time whatever a guess shares with a real one.
 */
import { createHash, randomBytes } from 'node:crypto'
import { BoundedMap } from '@realmesh/node'
import type { SessionCheck } from '../api/session-auth.js'

/** a login token not traded within this is dead */
export const LOGIN_TTL_MS = 10 * 60_000
/** a session lasts this long from its login */
export const SESSION_TTL_MS = 12 * 3_600_000
/** most login tokens waiting at once; issuing one more drops the oldest */
export const MAX_LOGINS = 16
/** most sessions at once; a login beyond drops the least recently used */
export const MAX_SESSIONS = 16

export class DashboardSessions implements SessionCheck {
  /**
   * `realmesh_dashboard_` and 8 random hex digits: a browser sends a 127.0.0.1 cookie to every port
   * there, so daemons side by side on one machine must not overwrite each other's
   */
  readonly cookieName = `realmesh_dashboard_${randomBytes(4).toString('hex')}`
  private readonly logins: BoundedMap<string, true>
  private readonly sessions: BoundedMap<string, true>

  constructor (now: () => number = Date.now) {
    this.logins = new BoundedMap({ maxSize: MAX_LOGINS, ttlMs: LOGIN_TTL_MS, now })
    this.sessions = new BoundedMap({ maxSize: MAX_SESSIONS, ttlMs: SESSION_TTL_MS, now })
  }

  /** a new one-time login token (32 random bytes, base64url) */
  issueLogin (): string {
    const token = randomBytes(32).toString('base64url')
    this.logins.set(digest(token), true)
    return token
  }

  /** trades a login token for a session: the Set-Cookie value, or undefined when the token is unknown, used or expired */
  login (token: string): string | undefined {
    const key = digest(token)
    if (!this.logins.has(key)) return undefined
    this.logins.delete(key)
    const session = randomBytes(32).toString('base64url')
    this.sessions.set(digest(session), true)
    return `${this.cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_MS / 1000}`
  }

  valid (cookie: string | undefined): boolean {
    const session = cookieValue(cookie, this.cookieName)
    return session != null && this.sessions.get(digest(session)) === true
  }

  /** ends the session the Cookie header names (if any) */
  logout (cookie: string | undefined): void {
    const session = cookieValue(cookie, this.cookieName)
    if (session != null) this.sessions.delete(digest(session))
  }

  /** the Set-Cookie value that makes the browser drop the cookie */
  expiredCookie (): string {
    return `${this.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
  }
}

function digest (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** the value of cookie `name` in a Cookie header */
function cookieValue (header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}
