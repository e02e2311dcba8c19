/**
 * What a peer can do wrong, and what it costs. A peer starts at 0; every offence subtracts its
 * penalty; the score recovers by `recoveryPerMinute` towards 0; at or below the ban threshold the
 * peer is banned (seed 004: "tracking and banning misbehaving nodes").
 *
 * The penalties are sized so that one honest mistake (a stale record, a dropped frame) never bans,
 * while anything deliberate (forging, replaying, flooding) does within a few attempts at the
 * default threshold of -100.
 */
export const OFFENCES = {
  /** a peer record whose signature or token does not verify */
  RECORD_INVALID: 25,
  /** a frame that does not decode or lacks required fields */
  FRAME_MALFORMED: 10,
  /** a frame above the protocol's size limit */
  FRAME_TOO_LARGE: 20,
  /** a handshake nonce used twice */
  HANDSHAKE_REPLAY: 30,
  /** a handshake signature that does not verify, or was made for another peer */
  HANDSHAKE_BAD_SIGNATURE: 30,
  /** a token refused in a handshake or join (wrong realm, expired, forged...) */
  TOKEN_REFUSED: 10,
  /** a stream on a realm protocol from a connection that is not admitted */
  NOT_A_MEMBER: 5,
  /** more requests than the protocol's rate limit allows */
  RATE_LIMITED: 5,
  /** a broadcast that does not verify */
  BROADCAST_INVALID: 25,
  /** a revocation or an epoch (the leader's notices) that does not verify: a member forwards only what it verified */
  NOTICE_INVALID: 25,
  /**
   * message streams that held more of our memory than the sender's budget (frames out of order,
   * or being received): an honest sender never has that much in flight
   */
  MESSAGE_BUDGET: 10,
  /**
   * message data that does not open under its session's key, or a session key that cannot be
   * agreed: the stream comes straight from the sender's node (Noise), so only the sender can have
   * sealed it wrongly
   */
  MESSAGE_UNDECRYPTABLE: 10,
  /**
   * a relayed message whose sender signature does not verify: the sender signs every message it
   * deposits, so the coordinator that delivered it changed it (or made it up)
   */
  RELAY_TAMPERED: 25
} as const

export type Offence = keyof typeof OFFENCES
