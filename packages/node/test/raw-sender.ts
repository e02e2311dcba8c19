// A member's own message stream, written by hand: the tests' sender of what a well-behaved node
// never sends (seq 2, 3, ... and never 1; frames above the limit; tampered data). It opens with the
// member's genuine tokens (it must have an interest on the subject) and seals its data the way a
// node does, for the receiver's identity, unless the test changes the sealed frame.
import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { subjectKey } from '@realmesh/token'
import { Frames, FRAME_LIMITS, PROTOCOLS, MessageData, MessageOpen, MessageReply, sealData } from '@realmesh/wire'
import { SealKeys } from '../src/messaging/seal-keys.js'
import type { MessageAck } from '@realmesh/wire'
import type { RealmNode } from '../src/index.js'
import type { PrivateKey, Stream } from '@libp2p/interface'
import type { KeyObject } from 'node:crypto'

/** a member node with its node token (its identity token too) and its key */
export interface Member { node: RealmNode, token: string, key: PrivateKey }

/** a sender session of a member's own to a receiver: its 16 bytes, ephemeral key and data key */
export interface Session { id: Uint8Array<ArrayBuffer>, ephemeral: Uint8Array<ArrayBuffer>, key: KeyObject }

export function session (from: Member, to: RealmNode, subject: string): Session {
  const id = Uint8Array.from(randomBytes(16))
  const key = Uint8Array.from(subjectKey(from.node.realm.id, subject))
  return { id, ...new SealKeys(from.key).sender(to.peerId.toString(), { subjectKey: key, session: id }) }
}

/** a raw message stream; 'reply' fires for every MessageReply */
export class Raw extends EventTarget {
  readonly codes: string[] = []
  readonly acks: MessageAck[] = []
  readonly frames: Frames
  readonly stream: Stream
  readonly maxData: number
  ended: Promise<void> = Promise.resolve()
  private readonly key: KeyObject

  private constructor (stream: Stream, frames: Frames, maxData: number, key: KeyObject) {
    super()
    this.stream = stream
    this.frames = frames
    this.maxData = maxData
    this.key = key
  }

  /** opens the stream and waits for the receiver's answer (its max_data) */
  static async open (from: Member, to: RealmNode, subject: string, s: Session = session(from, to, subject)): Promise<Raw> {
    const { stream, frames, first } = await Raw.request(from, to, subject, s)
    assert.equal(first.error, undefined)
    const raw = new Raw(stream, frames, first.maxData, s.key)
    raw.ended = raw.replies()
    return raw
  }

  /** opens a stream with a MessageOpen for session `s`; resolves with the receiver's first answer */
  static async request (from: Member, to: RealmNode, subject: string, s: Pick<Session, 'id' | 'ephemeral'>): Promise<{ stream: Stream, frames: Frames, first: MessageReply }> {
    const key = Uint8Array.from(subjectKey(from.node.realm.id, subject))
    const interestToken = from.node.subjectLayer.interests.get(Buffer.from(key).toString('hex'))?.token
    assert.ok(interestToken != null, 'the member has an interest token for the subject')
    const stream = await from.node.openStream(to.peerId, PROTOCOLS.message)
    const frames = new Frames(stream, { protocol: PROTOCOLS.message, maxSize: FRAME_LIMITS.message })
    await frames.write(MessageOpen, { key, interestToken, identityToken: from.token, session: s.id, ephemeral: s.ephemeral })
    return { stream, frames, first: await frames.read(MessageReply, { signal: AbortSignal.timeout(10_000) }) }
  }

  /** message `seq` with `data`, sealed for the receiver; `change` may alter the frame after sealing; `id` (16 bytes) is random unless given */
  async sendData (seq: bigint, data: Uint8Array, change: (frame: MessageData) => MessageData = frame => frame, id: Uint8Array = randomBytes(16)): Promise<void> {
    const header = { id: Uint8Array.from(id), seq, ack: MessageData.AckMode.DESTINATION, replySubject: '', attrs: new Map<string, string>(), expiresAtMs: BigInt(Date.now() + 60_000), lowSeq: 1n }
    const { ciphertext, tag } = sealData(this.key, seq, header, data)
    await this.frames.write(MessageData, change({ ...header, data: Buffer.concat([ciphertext, tag]) }))
  }

  /** messages seq first..last of `size` bytes of data, each written once the stream took the one before */
  async send (first: bigint, last: bigint, size: number): Promise<void> {
    for (let seq = first; seq <= last; seq++) await this.sendData(seq, new Uint8Array(size))
  }

  /** sends seq 2, 3, ... of `size` bytes until the receiver ends the stream; resolves with how many frames went */
  async flood (size: number): Promise<number> {
    let sent = 0
    try {
      for (let seq = 2n; ; seq++) {
        await this.send(seq, seq, size)
        sent++
      }
    } catch {
      await this.ended
    }
    return sent
  }

  private async replies (): Promise<void> {
    try {
      for (;;) {
        const reply = await this.frames.read(MessageReply)
        if (reply.error != null) this.codes.push(reply.error.code)
        this.acks.push(...reply.acks)
        this.dispatchEvent(new Event('reply'))
      }
    } catch {
      // the stream ended
    } finally {
      this.dispatchEvent(new Event('reply'))
    }
  }
}
