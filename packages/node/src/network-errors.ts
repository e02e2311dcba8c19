/**
 * libp2p's errors in realmesh's terms: a stable code and one sentence, libp2p's error kept as the
 * `cause`. libp2p's own errors carry a class name and a message written for its developers (a
 * failed listen is a stack trace inside the message); an operator gets `LISTEN_ADDRESS_IN_USE:
 * cannot listen on /ip4/127.0.0.1/tcp/4001: the port is in use ...` instead.
 *
 * Errors are recognised by `name` (and Node's `code` for socket errors), not by class: a
 * workspace may hold more than one copy of @libp2p/interface.
 */
import { RealmeshError } from '@realmesh/wire'

export const NetworkErrorCode = {
  /** a listen address is taken by another process (EADDRINUSE) */
  LISTEN_ADDRESS_IN_USE: 'LISTEN_ADDRESS_IN_USE',
  /** a listen address is not one of this machine's (EADDRNOTAVAIL) */
  LISTEN_ADDRESS_UNAVAILABLE: 'LISTEN_ADDRESS_UNAVAILABLE',
  /** listening there needs privileges (EACCES: a port below 1024) */
  LISTEN_ADDRESS_FORBIDDEN: 'LISTEN_ADDRESS_FORBIDDEN',
  /** no transport of the node listens on that kind of address */
  LISTEN_ADDRESS_UNSUPPORTED: 'LISTEN_ADDRESS_UNSUPPORTED',
  /** listening failed for another reason */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** the peer that answered at an address is not the one its /p2p/ part names */
  PEER_ID_MISMATCH: 'PEER_ID_MISMATCH',
  /** the Noise handshake failed for another reason than the peer's identity */
  ENCRYPTION_FAILED: 'ENCRYPTION_FAILED',
  /** nothing answered: connection refused, no route, reset, timed out at the socket */
  UNREACHABLE: 'UNREACHABLE',
  /** no address is known for the peer, and the realm's DHT found none */
  NO_ADDRESSES: 'NO_ADDRESSES',
  /** this node's own gater (a ban, a connection limit) refused the connection */
  DIAL_DENIED: 'DIAL_DENIED',
  /** the peer did not answer in time */
  TIMED_OUT: 'TIMED_OUT',
  /** a node cannot dial itself */
  CANNOT_DIAL_SELF: 'CANNOT_DIAL_SELF',
  /** the peer does not speak the protocol (not a realmesh node, or another version) */
  PROTOCOL_UNSUPPORTED: 'PROTOCOL_UNSUPPORTED',
  /** the connection or stream closed (or was reset) before the exchange finished */
  STREAM_CLOSED: 'STREAM_CLOSED',
  /** the peer or this node has too many streams of the protocol open */
  TOO_MANY_STREAMS: 'TOO_MANY_STREAMS'
} as const

export type NetworkErrorCode = typeof NetworkErrorCode[keyof typeof NetworkErrorCode]

/** A libp2p failure (listen, dial, stream) translated: `code` and a sentence; libp2p's error is the `cause`. */
export class NetworkError extends RealmeshError {
  static override name = 'NetworkError'
  /** the peer that answered instead, for PEER_ID_MISMATCH (when libp2p said) */
  readonly answeredBy: string | undefined

  constructor (code: NetworkErrorCode, message: string, options: { cause?: unknown, answeredBy?: string } = {}) {
    super(code, message, { cause: options.cause })
    this.answeredBy = options.answeredBy
  }
}

interface Described { code: NetworkErrorCode, message: string, answeredBy?: string }

/** Node's socket errors that mean nobody answered there */
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'])

const STREAM_CLOSED_NAMES = new Set(['ConnectionClosedError', 'ConnectionClosingError', 'ConnectionFailedError', 'MuxerClosedError', 'StreamResetError', 'StreamAbortedError', 'StreamStateError', 'StreamClosedError'])

/** libp2p (noise): `Payload identity key <answered> does not match expected remote identity key <expected>` */
const IDENTITY_MISMATCH = /identity key (\S+) does not match expected remote identity key (\S+)/

/**
 * `err` translated when it is a libp2p (or socket) error realmesh knows, else `err` itself (a
 * realmesh error keeps its code; anything else is left to the caller).
 */
export function networkError (err: unknown): unknown {
  if (err instanceof RealmeshError) return err
  const described = describe(err)
  return described == null ? err : new NetworkError(described.code, described.message, { cause: err, answeredBy: described.answeredBy })
}

/**
 * Why a dial (or a stream on a new connection) failed, as a realmesh error: a realmesh error as
 * it is, a known libp2p error translated, anything else UNREACHABLE with its message.
 */
export function dialError (err: unknown): RealmeshError {
  const translated = networkError(err)
  if (translated instanceof RealmeshError) return translated
  return new NetworkError(NetworkErrorCode.UNREACHABLE, `the peer could not be reached: ${messageOf(err)}`, { cause: err })
}

function describe (err: unknown): Described | undefined {
  if (err == null || typeof err !== 'object') return undefined
  const name = textOf((err as { name?: unknown }).name)
  const message = textOf((err as { message?: unknown }).message)
  if (err instanceof AggregateError) return describeAll(err.errors)
  if (name === 'UnsupportedListenAddressesError') return describeListen(message)
  const mismatch = IDENTITY_MISMATCH.exec(message)
  if (mismatch != null) {
    const [, answered = '', expected = ''] = mismatch
    return { code: NetworkErrorCode.PEER_ID_MISMATCH, message: `the identity did not match: ${answered} answered, not ${expected}`, answeredBy: answered }
  }
  if (name === 'EncryptionFailedError' || name === 'UnexpectedPeerError' || name === 'InvalidCryptoExchangeError') {
    return { code: NetworkErrorCode.ENCRYPTION_FAILED, message: `the encrypted (Noise) handshake failed: ${message}` }
  }
  if (/dial self/i.test(message)) return { code: NetworkErrorCode.CANNOT_DIAL_SELF, message: 'a node cannot dial itself' }
  if (name === 'NoValidAddressesError') return { code: NetworkErrorCode.NO_ADDRESSES, message: `no address is known for the peer, and the realm's DHT found none (${message})` }
  if (name === 'DialDeniedError' || name === 'ConnectionDeniedError' || name === 'ConnectionInterceptedError') {
    return { code: NetworkErrorCode.DIAL_DENIED, message: `this node refused the connection itself (a ban, or a connection limit): ${message}` }
  }
  if (name === 'TimeoutError') return { code: NetworkErrorCode.TIMED_OUT, message: `the peer did not answer in time: ${message}` }
  if (name === 'UnsupportedProtocolError') return { code: NetworkErrorCode.PROTOCOL_UNSUPPORTED, message: `the peer does not speak the protocol (not a realmesh node, or another version): ${message}` }
  if (name === 'TooManyOutboundProtocolStreamsError' || name === 'TooManyInboundProtocolStreamsError') {
    return { code: NetworkErrorCode.TOO_MANY_STREAMS, message: `too many streams of the protocol are open: ${message}` }
  }
  if (STREAM_CLOSED_NAMES.has(name)) return { code: NetworkErrorCode.STREAM_CLOSED, message: `the connection closed before the exchange finished: ${message}` }
  const errno = (err as { code?: unknown }).code
  if (typeof errno === 'string' && UNREACHABLE_ERRNOS.has(errno)) return { code: NetworkErrorCode.UNREACHABLE, message: `nothing answered (${errno}): ${message}` }
  return undefined
}

/**
 * Whether a failed dial reached the peer: a TCP connection was made and the encrypted handshake
 * or the muxer failed on it (or the dial was to this node itself). Reaching the peer through a forwarder cannot help then: the peer answers, slowly (an
 * overloaded node's Noise handshakes time out) or wrongly, and a forwarded connection costs it
 * the same handshake and the forwarder one more. Only a peer that did not answer (refused, no
 * route, timed out before a connection) is worth a forwarder.
 */
export function reachedButFailed (err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(reachedButFailed)
  const name = textOf((err as { name?: unknown } | null)?.name)
  if (name === 'EncryptionFailedError' || name === 'InvalidCryptoExchangeError' || name === 'MuxerUnavailableError') {
    // a peer id mismatch: someone else answers at that address; the peer may still be elsewhere
    return !IDENTITY_MISMATCH.test(textOf((err as { message?: unknown }).message))
  }
  return describe(err)?.code === NetworkErrorCode.CANNOT_DIAL_SELF
}

/** a dial to several addresses: the most telling of their failures */
function describeAll (errors: unknown[]): Described | undefined {
  const described = errors.map(describe).filter((d): d is Described => d != null)
  return described.find(d => d.code !== NetworkErrorCode.UNREACHABLE) ?? described[0]
}

const LISTEN_ERRNO: Record<string, { code: NetworkErrorCode, why: string }> = {
  EADDRINUSE: { code: NetworkErrorCode.LISTEN_ADDRESS_IN_USE, why: 'the port is in use by another process (another daemon?): stop it, or choose another --listen port' },
  EADDRNOTAVAIL: { code: NetworkErrorCode.LISTEN_ADDRESS_UNAVAILABLE, why: 'the IP address is not one of this machine\'s' },
  EACCES: { code: NetworkErrorCode.LISTEN_ADDRESS_FORBIDDEN, why: 'listening there needs privileges (ports below 1024): choose a port from 1024 up' }
}

/**
 * libp2p's listen failure lists each failed address as `\n  ADDR: <the error's stack>`: the
 * address and the first line of its error are all an operator needs.
 */
function describeListen (message: string): Described {
  const failures = [...message.matchAll(/^ {2}(\/\S+): (.*)$/gm)].map(([, addr = '', first = '']) => ({ addr, first }))
  for (const { addr, first } of failures) {
    const errno = /\b(E[A-Z]{3,})\b/.exec(first)?.[1]
    const known = errno == null ? undefined : LISTEN_ERRNO[errno]
    if (known != null) return { code: known.code, message: `cannot listen on ${addr}: ${known.why} (${errno ?? ''})` }
    if (/unsupported listen address|no transport/i.test(first)) return { code: NetworkErrorCode.LISTEN_ADDRESS_UNSUPPORTED, message: `cannot listen on ${addr}: no transport of this node listens on such an address (TCP on /ip4 or /ip6 is)` }
  }
  const list = failures.map(f => `${f.addr} (${f.first.replace(/^\w*Error: /, '')})`).join(', ')
  return { code: NetworkErrorCode.LISTEN_FAILED, message: `cannot listen on ${list === '' ? 'the configured addresses' : list}` }
}

function textOf (value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
