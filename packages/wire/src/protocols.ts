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
  /** KEEPALIVE requests and their answers, one long-lived stream per member and direction */
  keepalive: '/realmesh/keepalive/1',
  leader: '/realmesh/leader/1',
  /** interest registration with subject coordinators, and their MATCH notifications */
  subject: '/realmesh/subject/1',
  /** subject messages, sender node -> receiver node, one long-lived stream per subject */
  message: '/realmesh/message/1',
  /** node.send(): one request, one response */
  direct: '/realmesh/direct/1',
  /** a sleeping receiver's messages: a sender deposits them with the subject's coordinators, which deliver them when it wakes */
  relay: '/realmesh/relay/1',
  /** a TCP connection carried to a service a member exposes: one TunnelRequest, one TunnelResponse, then raw bytes */
  tunnel: '/realmesh/tunnel/1'
} as const

export type ProtocolName = keyof typeof PROTOCOLS

/** kad-dht runs on this id, so realm members never mix routing tables with other realms or the public DHT. */
export function kadProtocol (realmId: string): string {
  return `/realmesh/${realmId}/kad/1.0.0`
}

/** a member's signed status summary, asked by another member (node.realmSummaries()) */
export function summaryProtocol (realmId: string): string {
  return `/realmesh/${realmId}/summary/1`
}

/**
 * A member asking another to forward a stream to a third it cannot reach (ForwardRequest, then raw
 * bytes); the forwarder's side of it to the target is forwardStopProtocol's.
 */
export function forwardProtocol (realmId: string): string {
  return `/realmesh/${realmId}/forward/1`
}

/** a forwarder telling the target that a source's stream arrives through it */
export function forwardStopProtocol (realmId: string): string {
  return `/realmesh/${realmId}/forward/stop/1`
}

/** Largest ForwardRequest or ForwardResponse frame: a peer id (~40 bytes) or a refusal (code and 256-character reason). */
export const MAX_FORWARD_FRAME_BYTES = 1024

/** Largest SummaryResponse frame: a summary is ~200 bytes (ids, a dozen figures) and a 64-byte signature. */
export const MAX_SUMMARY_BYTES = 2 * 1024

/** gossipsub topic of a realm's broadcasts */
export function broadcastTopic (realmId: string): string {
  return `realmesh/${realmId}/broadcast/1`
}

/** Largest subject message data a subscription or publication may allow (`maxMessageBytes`), in bytes. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024

/** Default largest subject message data, in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024

/** Largest node.send() request or response data, in bytes. */
export const MAX_DIRECT_BYTES = 1024 * 1024

/** What a frame holds besides its data (id, seq, reply subject, ...): a frame may be this much larger. */
export const MESSAGE_FRAME_SLACK = 4 * 1024

/** Longest subject name (and reply subject), in UTF-8 bytes. */
export const MAX_SUBJECT_BYTES = 256

/** Most acks in one MessageReply. */
export const MAX_ACKS_PER_REPLY = 1024

/**
 * Most messages a sender has in flight (sent, not acked) per receiver, and so the receiver's
 * reorder window: a seq this far beyond the next one expected is a protocol violation.
 */
export const MESSAGE_WINDOW = 1024

/** Most message data a sender has in flight per receiver, in bytes (always at least one message). */
export const MESSAGE_WINDOW_BYTES = 8 * 1024 * 1024

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
  // a keepalive is a PeersRequest of at most MAX_RECORDS_PER_MESSAGE records, like the peers protocol's
  keepalive: 256 * 1024,
  leader: 16 * 1024,
  // two tokens and a peer record: well under 16 KiB; the rest is room for larger identity tokens
  subject: 64 * 1024,
  // the largest message data a receiver may accept, plus the rest of a MessageData frame; each
  // receiver announces its own (smaller) limit in its first MessageReply
  message: MAX_MESSAGE_BYTES + MESSAGE_FRAME_SLACK,
  direct: MAX_DIRECT_BYTES + MESSAGE_FRAME_SLACK,
  // a deposit: the largest message (one goes alone) with its signature, or several smaller ones
  // up to that size, plus two tokens and a peer record (what a subject request carries)
  relay: MAX_MESSAGE_BYTES + MESSAGE_FRAME_SLACK + 64 * 1024,
  // a request is a service name; a LIST answer up to MAX_TUNNEL_SERVICES names of MAX_SERVICE_NAME_BYTES
  tunnel: 8 * 1024
}

/** Longest tunnel service name, in bytes (names are ASCII: [A-Za-z0-9._-]). */
export const MAX_SERVICE_NAME_BYTES = 64

/** Most service names in one TunnelResponse (a LIST answer), and so most services a node exposes. */
export const MAX_TUNNEL_SERVICES = 100

/** Most messages in one relay deposit (and so acks in one RelayReply). */
export const MAX_RELAY_MESSAGES = 1024

/** Largest broadcast payload (the data, not counting the token), in bytes. */
export const MAX_BROADCAST_BYTES = 64 * 1024

/** Most peer records accepted in one peers message (UPDATE, NLIST response, PIGGY). */
export const MAX_RECORDS_PER_MESSAGE = 64

/** Most held records an NLIST may list (PeersRequest.held), and the bytes of fingerprint each names. */
export const MAX_HELD_PER_REQUEST = 128
export const HELD_FINGERPRINT_BYTES = 8

/** Most revocations in one peers message (a NOTICES push or answer, a DISCONNECT). ~350 bytes each. */
export const MAX_REVOCATIONS_PER_MESSAGE = 256

/** Most epochs in one peers message (a NOTICES push or answer): a member keeps the current one and the one before. ~120 bytes each. */
export const MAX_EPOCHS_PER_MESSAGE = 2

/** Most multiaddrs accepted in one peer record. */
export const MAX_ADDRS_PER_RECORD = 16

/** Largest multiaddr accepted in a peer record, in bytes. */
export const MAX_ADDR_BYTES = 256

/**
 * Bounds of a wake schedule (a sleepy member's, in its peer record): awake at least 2 s of each
 * period (a wake must leave time to redial, rejoin and take what was held), asleep at least 2 s
 * (less is not sleeping), and a period of at most an hour (members keep a sleeping member, and
 * senders hold its messages, for a few periods: longer would let a dead member linger for hours).
 */
export const WAKE_LIMITS = {
  minAwakeMs: 2_000,
  minSleepMs: 2_000,
  maxPeriodMs: 3_600_000
} as const

/** Per-stream timeouts (milliseconds) a side applies when it does not get a more specific one. */
export const TIMEOUTS = {
  /** whole handshake, from stream open to HandshakeDone (seed 004: 30 s) */
  handshake: 30_000,
  join: 30_000,
  peers: 10_000,
  /** one keepalive and its answer (the stream itself lives as long as the connection) */
  keepalive: 10_000,
  leader: 30_000,
  /** one REGISTER / WITHDRAW / MATCH exchange */
  subject: 10_000,
  /** from opening a message stream to the receiver's first MessageReply */
  message: 10_000,
  /** one node.send() exchange, including the remote application's answer */
  direct: 30_000,
  /** one relay DEPOSIT or DELIVER and its answer (a delivery waits for the receiving application's app acks) */
  relay: 30_000,
  /** from opening a tunnel stream to its TunnelResponse (the exposing side connects to its service first) */
  tunnel: 15_000,
  /** one summary request and its answer */
  summary: 5_000,
  /** from opening a forward stream to its ForwardResponse (the forwarder reaches the target first) */
  forward: 10_000
} as const
