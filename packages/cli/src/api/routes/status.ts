/**
 * GET /health (no token: for health checks, so it says nothing about members, addresses or peer
 * ids), GET /status and GET /members, served by both daemons.
 */
import { VERSION } from '../../version.js'
import type { RealmNode, NodeStatus } from '@realmesh/node'
import type { Route } from '../router.js'

export type Role = 'node' | 'leader'

export interface StatusResponse extends NodeStatus {
  role: Role
  /** the daemon's realmesh version (packages/cli/package.json) */
  version: string
}

/** all that GET /health tells a caller without the token */
export interface HealthResponse {
  ok: true
  role: Role
  joined: boolean
}

export interface MemberView {
  peerId: string
  /** 'node' when the member is its own identity, else 'identity' */
  identity: string
  addrs: string[]
  joinedAt: string
  lastSeen: string
  /** keepalive round trip, moving average, ms; null until the first keepalive answered */
  latencyMs: number | null
  /** when the member's node token expires */
  expiresAt: string
}

export function statusRoutes (role: Role, node: RealmNode): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      auth: false,
      handle: (): HealthResponse => ({ ok: true, role, joined: node.status().joined })
    },
    {
      method: 'GET',
      path: '/status',
      auth: true,
      handle: (): StatusResponse => ({ role, version: VERSION, ...node.status() })
    },
    {
      method: 'GET',
      path: '/members',
      auth: true,
      handle: (): { members: MemberView[] } => ({
        members: node.members().map(m => ({
          peerId: m.id,
          identity: m.identity.kind,
          addrs: m.addrs.map(a => a.toString()),
          joinedAt: isoTime(m.joinedAt),
          lastSeen: isoTime(m.lastSeen),
          latencyMs: m.latencyMs == null ? null : Math.round(m.latencyMs * 10) / 10,
          expiresAt: isoTime(m.expiresAt)
        })).sort((a, b) => a.peerId.localeCompare(b.peerId))
      })
    }
  ]
}

function isoTime (ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : ''
}
