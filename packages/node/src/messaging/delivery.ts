/**
 * Handing one message to a subject's handlers, in order of arrival (handlers are called, not
 * awaited one by one). With ack mode 'app' the result is the ack: the handlers' promises all
 * resolving (or an explicit accept()) is DELIVERED, one rejecting (or reject(code)) is REJECTED.
 */
import { WireErrorCode } from '@realmesh/wire'
import type { MessageData } from '@realmesh/wire'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { AckMode, SubjectMessage } from './options.js'
import type { Receiving } from './inbox.js'

/** how the message came: SubjectMessage's receivedAt and hops */
export interface Arrival { receivedAt: number, hops: number }

/**
 * Resolves with undefined (delivered) or the rejection code, once the application decided.
 * `plain`: the message's data, opened.
 */
export async function deliver (receiving: Receiving, sender: VerifiedInterest, data: MessageData, plain: Uint8Array, idHex: string, ack: AckMode, arrival: Arrival, emit: (message: SubjectMessage) => void): Promise<string | undefined> {
  const decided = Promise.withResolvers<string | undefined>()
  const message: SubjectMessage = {
    subject: receiving.subject,
    id: idHex,
    from: sender.identity,
    peer: sender.nodeId,
    seq: Number(data.seq),
    data: plain,
    receivedAt: arrival.receivedAt,
    senderAttrs: sender.attrs,
    hops: arrival.hops,
    replySubject: data.replySubject === '' ? undefined : data.replySubject,
    ack,
    accept: () => { decided.resolve(undefined) },
    reject: (code?: string) => { decided.resolve(code ?? WireErrorCode.APP_REJECTED) }
  }
  const outcomes: Array<Promise<void>> = []
  for (const handler of receiving.handlers) {
    try {
      outcomes.push(Promise.resolve(handler(message)))
    } catch (err) {
      outcomes.push(Promise.reject(err))
    }
  }
  emit(message)
  Promise.all(outcomes).then(() => { decided.resolve(undefined) }, (err: unknown) => {
    const code = (err as { code?: unknown } | null)?.code
    decided.resolve(typeof code === 'string' && code !== '' ? code.slice(0, 64) : WireErrorCode.APP_REJECTED)
  })
  return decided.promise
}
