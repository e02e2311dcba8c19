/**
 * A member's attack on a receiver's memory through /realmesh/message/1 (issue 19, item 1): message
 * streams of its own, opened with its genuine tokens (it is matched on the subject), each sending
 * seq 2, 3, ... and never seq 1, so that a receiver without bounds keeps every frame waiting for
 * the gap. Three kinds of stream, side by side:
 *   gap       frames of the receiver's max_data, as fast as the stream takes them
 *   oversize  frames of 4 MiB of data (above a 1 MiB max_data)
 *   stall     the first half of one large frame, then nothing (a frame that never arrives whole)
 * A stream that ends (reset by the receiver) is replaced by a new one (a new session) until the
 * signal aborts; what the receiver answered is tallied.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Frames, FRAME_LIMITS, MAX_MESSAGE_BYTES, PROTOCOLS, MessageData, MessageOpen, MessageReply, x25519Raw } from '@realmesh/wire'
import type { RealmNode } from '@realmesh/node'

type Stream = Awaited<ReturnType<RealmNode['openStream']>>
type PeerId = RealmNode['peerId']

export type StreamKind = 'gap' | 'oversize' | 'stall'

export interface AttackInit {
  attacker: RealmNode
  target: PeerId
  key: Uint8Array<ArrayBuffer>
  interestToken: string
  identityToken: string
  /** streams at once, by kind */
  streams: Record<StreamKind, number>
}

export interface AttackTally {
  /** streams the receiver accepted (answered with max_data) */
  opened: number
  /** streams it refused at the open (error code), or that could not be opened (connection gone) */
  refused: number
  frames: number
  bytes: number
  /** error codes the receiver sent on accepted streams before resetting them */
  codes: Record<string, number>
  /** accepted streams that ended (reset or closed by the receiver) before the attack did */
  ended: number
}

/** runs the attack until `signal` aborts; resolves with the tally */
export async function attack (init: AttackInit, signal: AbortSignal): Promise<AttackTally> {
  const tally: AttackTally = { opened: 0, refused: 0, frames: 0, bytes: 0, codes: {}, ended: 0 }
  const data = new Uint8Array(MAX_MESSAGE_BYTES).fill(0x5a)
  const workers = (Object.entries(init.streams) as Array<[StreamKind, number]>).flatMap(([kind, n]) => Array.from({ length: n }, () => kind))
  await Promise.all(workers.map(async (kind) => {
    while (!signal.aborted) {
      const accepted = await oneStream(init, kind, data, tally, signal)
      // a refused open (or a connection gone) is retried after a pause: the attacker is patient
      if (!accepted && !signal.aborted) await new Promise(resolve => setTimeout(resolve, 100))
    }
  }))
  return tally
}

async function oneStream (init: AttackInit, kind: StreamKind, data: Uint8Array<ArrayBuffer>, tally: AttackTally, signal: AbortSignal): Promise<boolean> {
  let stream: Stream
  try {
    stream = await init.attacker.openStream(init.target, PROTOCOLS.message, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
  } catch {
    tally.refused++
    return false
  }
  const frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: FRAME_LIMITS.message })
  let maxData: number
  try {
    // any X25519 key will do: no frame of these streams is ever opened (seq 1 never comes)
    await frames.write(MessageOpen, { key: init.key, interestToken: init.interestToken, identityToken: init.identityToken, session: Uint8Array.from(randomBytes(16)), ephemeral: x25519Raw(generateKeyPairSync('x25519').publicKey) })
    const first = await frames.read(MessageReply, { signal: AbortSignal.timeout(10_000) })
    if (first.error != null) throw new Error(first.error.code)
    maxData = first.maxData
  } catch {
    tally.refused++
    stream.abort(new Error('refused'))
    return false
  }
  tally.opened++
  const closed = new AbortController()
  const replies = (async () => {
    try {
      for (;;) {
        const reply = await frames.read(MessageReply)
        if (reply.error != null) tally.codes[reply.error.code] = (tally.codes[reply.error.code] ?? 0) + 1
      }
    } catch {
      // the stream ended
    } finally {
      closed.abort()
    }
  })()
  const size = kind === 'oversize' ? MAX_MESSAGE_BYTES : maxData
  try {
    for (let seq = 2n; !signal.aborted && !closed.signal.aborted; seq++) {
      const frame = frames.encode(MessageData, [{ id: Uint8Array.from(randomBytes(16)), seq, data: data.subarray(0, size), ack: MessageData.AckMode.DESTINATION, replySubject: '', expiresAtMs: BigInt(Date.now() + 60_000), lowSeq: 1n }])
      if (kind === 'stall') {
        stream.send(frame.subarray(0, frame.byteLength >> 1))
        await new Promise(resolve => { AbortSignal.any([signal, closed.signal]).addEventListener('abort', resolve, { once: true }) })
        break
      }
      await frames.writeEncoded([frame], { signal: AbortSignal.any([signal, closed.signal]) })
      tally.frames++
      tally.bytes += frame.byteLength
    }
  } catch {
    // reset by the receiver (or the attack ended)
  }
  if (!signal.aborted) tally.ended++
  stream.abort(new Error('attack over'))
  await replies
  return true
}
