/**
 * The stream side of /realmesh/leader/1: one request, one response per stream.
 *
 *   node / member                        leader
 *     | --- LeaderRequest ------------->  |  size (FRAME_LIMITS.leader) -> decode -> checkLeaderRequest
 *     |                                   |  -> TOKEN / STATUS / CANCEL / DEFER / AUTHORIZE handler (policy, proofs, tokens)
 *     | <-- LeaderResponse -------------  |  ISSUED / PENDING / APPROVED / CANCELLED / DENIED(code, reason)
 *     |            close                  |
 *
 * Whatever a request holds, the handler answers or closes and never throws; a request that fails
 * a check leaves no state behind (the handlers only record anything after every check passed).
 */
import { checkLeaderRequest, Frames, FRAME_LIMITS, LeaderRequest, LeaderResponse, PROTOCOLS, RealmeshError, WireErrorCode } from '@realmesh/wire'
import type { AbortOptions, Connection, Stream, StreamHandler } from '@libp2p/interface'

/** What a request handler answers. */
export interface Answer {
  response: Partial<LeaderResponse> & { status: LeaderResponse.Status }
  /** runs once the response is written (e.g. forget a token the requester now has) */
  delivered?: () => void
  /** runs once the exchange is over, answered or not (e.g. ban a guesser: that closes its connection) */
  afterwards?: () => void
  /** a denial already reported when it was decided (an operator's deny): no second request:denied */
  quiet?: boolean
}

export interface LeaderRequestHandlers {
  token: (request: LeaderRequest, connection: Connection, options: AbortOptions) => Promise<Answer>
  status: (request: LeaderRequest, connection: Connection, options: AbortOptions) => Promise<Answer>
  defer: (request: LeaderRequest, connection: Connection, options: AbortOptions) => Promise<Answer>
  cancel: (request: LeaderRequest, connection: Connection, options: AbortOptions) => Promise<Answer>
  authorize: (request: LeaderRequest, connection: Connection, options: AbortOptions) => Promise<Answer>
  /** every DENIED answer that is not `quiet` */
  onDenied: (peer: string, code: string) => void
}

export interface LeaderHandlerInit {
  /** longest one exchange may take, ms */
  timeoutMs: number
  /** aborts every exchange in flight (the service stopping) */
  signal: () => AbortSignal
}

export function issued (token: string): Answer {
  return { response: { status: LeaderResponse.Status.ISSUED, token } }
}

export function pending (requestId: string, retryAfterMs: number): Answer {
  return { response: { status: LeaderResponse.Status.PENDING, requestId, code: WireErrorCode.TOKEN_REQUEST_PENDING, retryAfterMs } }
}

export function approved (): Answer {
  return { response: { status: LeaderResponse.Status.APPROVED } }
}

export function cancelled (requestId: string): Answer {
  return { response: { status: LeaderResponse.Status.CANCELLED, requestId } }
}

/** `retryAfterMs`: for a refusal that passes (BUSY, RATE_LIMITED), when to ask again */
export function denied (code: string, reason: string, options: { quiet?: boolean, retryAfterMs?: number } = {}): Answer {
  const retryAfterMs = Math.min(0xffff_ffff, Math.max(0, Math.ceil(options.retryAfterMs ?? 0)))
  return { response: { status: LeaderResponse.Status.DENIED, code, reason: reason.slice(0, 512), retryAfterMs }, quiet: options.quiet ?? false }
}

/** The libp2p stream handler of the leader protocol. */
export function leaderStreamHandler (handlers: LeaderRequestHandlers, init: LeaderHandlerInit): StreamHandler {
  return async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.any([init.signal(), AbortSignal.timeout(init.timeoutMs)])
    const frames = new Frames(stream, { protocol: PROTOCOLS.leader, maxSize: FRAME_LIMITS.leader })
    const peer = connection.remotePeer.toString()
    let answer: Answer
    try {
      const request = await frames.read(LeaderRequest, { signal })
      checkLeaderRequest(request)
      answer = await dispatch(handlers, request, connection, { signal })
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === WireErrorCode.STREAM_CLOSED || code === WireErrorCode.STREAM_TIMEOUT || signal.aborted) {
        // nobody to answer, or no time left to
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        return
      }
      answer = err instanceof RealmeshError && (code === WireErrorCode.FRAME_TOO_LARGE || code === WireErrorCode.FRAME_MALFORMED)
        ? denied(code, err.message)
        : denied(WireErrorCode.INTERNAL, 'the leader failed to handle the request')
    }
    if (answer.response.status === LeaderResponse.Status.DENIED && answer.quiet !== true) {
      handlers.onDenied(peer, answer.response.code ?? WireErrorCode.INTERNAL)
    }
    try {
      await frames.write(LeaderResponse, answer.response, { signal })
      bookkeeping(answer.delivered)
      await stream.close({ signal }).catch((err: unknown) => { stream.abort(err instanceof Error ? err : new Error(String(err))) })
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      bookkeeping(answer.afterwards)
    }
  }
}

/** bookkeeping after the answer must not take the handler down */
function bookkeeping (task: (() => void) | undefined): void {
  try {
    task?.()
  } catch {
    // nothing to do: the exchange is over either way
  }
}

async function dispatch (handlers: LeaderRequestHandlers, request: LeaderRequest, connection: Connection, options: AbortOptions): Promise<Answer> {
  switch (request.type) {
    case LeaderRequest.Type.TOKEN: return handlers.token(request, connection, options)
    case LeaderRequest.Type.STATUS: return handlers.status(request, connection, options)
    case LeaderRequest.Type.DEFER: return handlers.defer(request, connection, options)
    case LeaderRequest.Type.CANCEL: return handlers.cancel(request, connection, options)
    case LeaderRequest.Type.AUTHORIZE: return handlers.authorize(request, connection, options)
    default: return denied(WireErrorCode.FRAME_MALFORMED, `unknown leader request type ${String(request.type)}`)
  }
}
