/**
 * Protocol ids, the wire version, frame limits and stream timeouts.
 *
 * Handshake, join and the leader's token request are realm-agnostic ids on purpose: a peer from
 * another realm must reach the point where its token is checked, so that it is refused with
 * TOKEN_WRONG_REALM rather than an opaque "protocol not supported". Everything a realm says among
 * its members (kad-dht, broadcast) is on realm-specific ids.
 */

/** realmesh wire version carried in the handshake Hello. A mismatch is refused with VERSION_MISMATCH. */
export const WIRE_VERSION = 1

export const PROTOCOLS = {
  handshake: '/realmesh/handshake/1',
  join: '/realmesh/join/1',
  peers: '/realmesh/peers/1',
  leader: '/realmesh/leader/1'
} as const

export type ProtocolName = keyof typeof PROTOCOLS

/** kad-dht runs on this id, so realm members never mix routing tables with other realms or the public DHT. */
export function kadProtocol (realmId: string): string {
  return `/realmesh/${realmId}/kad/1.0.0`
}

/** gossipsub topic of a realm's broadcasts */
export function broadcastTopic (realmId: string): string {
  return `realmesh/${realmId}/broadcast/1`
}

/**
 * Largest frame (one length-prefixed protobuf message) accepted per protocol, in bytes. A larger
 * length prefix is refused before any of the frame is buffered (FRAME_TOO_LARGE).
 */
export const FRAME_LIMITS: Record<ProtocolName, number> = {
  // a node token is < 2 KiB; a Hello is token + 100 bytes
  handshake: 8 * 1024,
  // identity token + one peer record
  join: 16 * 1024,
  // up to MAX_RECORDS_PER_MESSAGE records of ~2 KiB each
  peers: 256 * 1024,
  leader: 16 * 1024
}

/** Largest broadcast payload (the data, not counting the token), in bytes. */
export const MAX_BROADCAST_BYTES = 64 * 1024

/** Most peer records accepted in one peers message (UPDATE, NLIST response, PIGGY). */
export const MAX_RECORDS_PER_MESSAGE = 64

/** Most multiaddrs accepted in one peer record. */
export const MAX_ADDRS_PER_RECORD = 16

/** Largest multiaddr accepted in a peer record, in bytes. */
export const MAX_ADDR_BYTES = 256

/** Per-stream timeouts (milliseconds) a side applies when it does not get a more specific one. */
export const TIMEOUTS = {
  /** whole handshake, from stream open to HandshakeDone (seed 004: 30 s) */
  handshake: 30_000,
  join: 30_000,
  peers: 10_000,
  leader: 30_000
} as const
