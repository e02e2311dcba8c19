/**
 * Handing one message to a subject's handlers, in order of arrival (handlers are called, not
 * awaited one by one). With ack mode 'app' the result is the ack: the handlers' promises all
 * resolving (or an explicit accept()) is DELIVERED, one rejecting (or reject(code)) is REJECTED.
 * A handler whose subscription has a filter gets only the messages whose attributes match it
 * (`takers`: none takes it, and the message is refused MESSAGE_FILTERED).
 */
import { WireErrorCode } from '@realmesh/wire'
import type { MessageData } from '@realmesh/wire'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { AckMode, AttributeFilter, MessageHandler, SubjectMessage } from './options.js'
import type { Receiving } from './inbox.js'

/** how the message came: SubjectMessage's receivedAt and hops */
export interface Arrival { receivedAt: number, hops: number }

/** a message's attributes: the sender identity's, then its intent's, then the message's own (later ones win) */
export function inheritedAttrs (sender: VerifiedInterest, data: MessageData): Record<string, string> {
  const attrs: Record<string, string> = { ...sender.attrs, ...sender.intentAttrs }
  for (const [name, value] of data.attrs) attrs[name] = value
  return attrs
}

export function matches (filter: AttributeFilter | undefined, attrs: Record<string, string>): boolean {
  if (filter == null) return true
  for (const [name, wanted] of Object.entries(filter)) {
    const value = Object.hasOwn(attrs, name) ? attrs[name] : undefined
    if (value == null || !(typeof wanted === 'string' ? value === wanted : wanted.includes(value))) return false
  }
  return true
}

/** the handlers of the subject whose filter takes a message with `attrs` */
export function takers (receiving: Receiving, attrs: Record<string, string>): MessageHandler[] {
  return [...receiving.handlers].filter(handler => matches(receiving.filters.get(handler), attrs))
}

/**
 * Resolves with undefined (delivered) or the rejection code, once the application decided.
 * `plain`: the message's data, opened; `handlers`: the takers of its attributes (at least one).
 */
export async function deliver (receiving: Receiving, handlers: MessageHandler[], sender: VerifiedInterest, data: MessageData, plain: Uint8Array, idHex: string, ack: AckMode, attrs: Record<string, string>, arrival: Arrival, emit: (message: SubjectMessage) => void): Promise<string | undefined> {
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
    attrs,
    hops: arrival.hops,
    replySubject: data.replySubject === '' ? undefined : data.replySubject,
    ack,
    accept: () => { decided.resolve(undefined) },
    reject: (code?: string) => { decided.resolve(code ?? WireErrorCode.APP_REJECTED) }
  }
  const outcomes: Array<Promise<void>> = []
  for (const handler of handlers) {
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
