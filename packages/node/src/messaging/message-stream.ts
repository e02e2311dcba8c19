/**
 * The sender's end of opening a /realmesh/message/1 stream: MessageOpen with our tokens, session
 * and the session's ephemeral key, then the receiver's first MessageReply (its data limit, or its refusal).
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, MessageData, MessageOpen, MessageReply, RemoteError, WireErrorCode, checkMessageReply } from '@realmesh/wire'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'

export interface OpenStream {
  stream: Stream
  frames: Frames
  /** the largest data the receiver accepts */
  maxData: number
}

export interface OpenInit {
  open: (peer: PeerId, options: AbortOptions) => Promise<Stream>
  peer: PeerId
  key: Uint8Array<ArrayBuffer>
  tokens: { interestToken: string, identityToken: string }
  session: Uint8Array<ArrayBuffer>
  /** the session's ephemeral X25519 public key (the receiver derives the session's data key from it) */
  ephemeral: Uint8Array<ArrayBuffer>
}

/** Opens a stream and waits for the receiver's answer; throws RemoteError with its code when refused. */
export async function openMessageStream (init: OpenInit): Promise<OpenStream> {
  const signal = AbortSignal.timeout(TIMEOUTS.message)
  let stream: Stream | undefined
  try {
    stream = await init.open(init.peer, { signal })
    // the limit covers what we write (data up to 4 MiB); the receiver's replies are small
    const frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: FRAME_LIMITS.message })
    await frames.write(MessageOpen, { key: init.key, interestToken: init.tokens.interestToken, identityToken: init.tokens.identityToken, session: init.session, ephemeral: init.ephemeral }, { signal })
    const reply = await frames.read(MessageReply, { signal })
    checkMessageReply(reply)
    if (reply.error != null) throw new RemoteError(reply.error.code, reply.error.reason, 'message stream refused')
    return { stream, frames, maxData: reply.maxData }
  } catch (err) {
    stream?.abort(err as Error)
    throw err
  }
}

const FINAL = new Set<string>([WireErrorCode.SUBJECT_UNKNOWN, WireErrorCode.SUBJECT_AUDIENCE, WireErrorCode.SUBJECT_UNAUTHORIZED, WireErrorCode.SUBJECT_ROLE_MISMATCH, WireErrorCode.MESSAGE_UNDECRYPTABLE, WireErrorCode.SUBJECT_DENIED_BY_LEADER, WireErrorCode.SUBJECT_NO_RULE])

/** a receiver's refusal that another attempt would not change (it unsubscribed, refused us, our token, no session key can be agreed with it) */
export function isFinalRefusal (code: string): boolean {
  return FINAL.has(code) || code.startsWith('TOKEN_') || code.startsWith('INTEREST_')
}

export const ACK_MODES = { none: MessageData.AckMode.NONE, destination: MessageData.AckMode.DESTINATION, app: MessageData.AckMode.APP } as const
