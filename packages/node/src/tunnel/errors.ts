import { RealmeshError, WireErrorCode } from '@realmesh/wire'

/**
 * Stable codes of tunnels: the refusals an exposing member answers (spoken on the wire as they
 * are), and what this node itself refuses or ends a tunnel with.
 */
export const TunnelErrorCode = {
  TUNNEL_UNKNOWN_SERVICE: WireErrorCode.TUNNEL_UNKNOWN_SERVICE,
  TUNNEL_NOT_ALLOWED: WireErrorCode.TUNNEL_NOT_ALLOWED,
  TUNNEL_LIMIT: WireErrorCode.TUNNEL_LIMIT,
  TUNNEL_CONNECT_FAILED: WireErrorCode.TUNNEL_CONNECT_FAILED,
  /** a service definition is invalid (its name, HOST:PORT or an allow rule): nothing changed */
  TUNNEL_SERVICE_INVALID: 'TUNNEL_SERVICE_INVALID',
  /** a tunnel's target is neither a peer id nor an identity a member runs as */
  TUNNEL_TARGET_INVALID: 'TUNNEL_TARGET_INVALID',
  /** this node exposes as many services as it may (TunnelsInit.maxServices): nothing changed */
  TUNNEL_SERVICES_FULL: 'TUNNEL_SERVICES_FULL',
  /** the tunnel carried no byte either way for its idle timeout */
  TUNNEL_IDLE: 'TUNNEL_IDLE',
  /** the node is stopping, the service was unexposed, or the local listener closed */
  TUNNEL_CLOSED: 'TUNNEL_CLOSED',
  /** the local listener of a forward could not be opened */
  TUNNEL_LISTEN_FAILED: 'TUNNEL_LISTEN_FAILED'
} as const

export type TunnelErrorCode = typeof TunnelErrorCode[keyof typeof TunnelErrorCode]

/** A tunnel refused (by the exposing member or by this node), or ended for a reason of its own. */
export class TunnelError extends RealmeshError {
  static override name = 'TunnelError'
}
