/**
 * Durable subscriptions through the node daemon (bearer token on all of them; node daemons only:
 * they keep a store):
 *   GET  /durable                         { subscriptions: [DurableStatus] }
 *   POST /durable/NAME/subscribe          body { subject, ack?: 'auto' | 'app', fromStart?, role?, audience? }
 *                                         -> NDJSON: { type: 'subscribed', durable, consumer, subject, stored, pending, ... }
 *                                         then { type: 'message', durable, subject, seq, id, from, peer, senderSeq,
 *                                         receivedAt, data | dataBase64, replySubject? } per message, until the client
 *                                         goes away (the subscription stays); { type: 'error', code, message } last when
 *                                         it was refused, removed or taken over by a newer consumer (DURABLE_DETACHED)
 *   POST /durable/NAME/ack                body { consumer, seqs: [seq, ...] } (ack 'app') -> { ok, pending }; also after the
 *                                         consumer's stream ended (for 10 min): what it was given and wrote out
 *   POST /durable/NAME/unsubscribe        -> { ok, name, deleted } (the messages it held)
 * 'auto': a message is consumed once its line was handed to the client's socket; 'app': once the
 * client acks its seq (the CLI does after writing the line to stdout).
 */
import { randomUUID } from 'node:crypto'
import { BoundedMap, DurableError } from '@realmesh/node'
import { ApiRequestError } from '../server.js'
import { JsonLines } from '../router.js'
import { payload } from '../payload.js'
import { audienceOf, errorLine, roleOf, subjectOf } from './subjects.js'
import type { DurableConsumer, DurableMessage, RealmNode } from '@realmesh/node'
import type { Route } from '../router.js'

/** seqs in one ack request */
export const MAX_ACK_SEQS = 1_000

interface Attached { name: string, consumer: DurableConsumer }

export function durableRoutes (node: RealmNode): Route[] {
  /**
   * consumers attached through this API, by id, also for a while after their stream ended: a
   * client acks what it wrote out after it stopped reading (SIGINT), and a consumer acks only what
   * it was given and is not consumed yet
   */
  const consumers = new BoundedMap<string, Attached>({ maxSize: 256, ttlMs: 600_000 })
  return [
    {
      method: 'GET',
      path: '/durable',
      auth: true,
      handle: () => ({ subscriptions: node.durable.list() })
    },
    {
      method: 'POST',
      path: '/durable/:name/subscribe',
      auth: true,
      handle: ({ params, body }) => {
        const name = params.name ?? ''
        const options = (body ?? {}) as { subject?: unknown, ack?: unknown, fromStart?: unknown, role?: unknown, audience?: unknown }
        const subject = subjectOf(options.subject, 'subject')
        if (options.ack !== undefined && options.ack !== 'auto' && options.ack !== 'app') throw new ApiRequestError(400, 'BAD_REQUEST', 'ack is "auto" or "app"')
        if (options.fromStart !== undefined && typeof options.fromStart !== 'boolean') throw new ApiRequestError(400, 'BAD_REQUEST', 'fromStart is a boolean')
        const ack = options.ack ?? 'auto'
        const role = options.role === undefined ? undefined : roleOf(options.role)
        const audience = audienceOf(options.audience)
        return new JsonLines(async (emit, signal) => {
          const id = randomUUID()
          let consumer: DurableConsumer
          try {
            const status = await node.durable.subscribe(subject, name, { role, audience, signal })
            const coordinators = node.subjects().find(s => s.subject === subject)?.coordinators ?? []
            // before the first message: the client learns its consumer id (for its acks) from this line
            await emit({ type: 'subscribed', durable: name, consumer: id, ...status, coordinators })
            consumer = await node.durable.attach(name, async (message) => { await emit(messageLine(message)) }, { ack, fromStart: options.fromStart === true, signal })
          } catch (err) {
            await emit(errorLine(err)).catch(() => {})
            return
          }
          consumers.set(id, { name, consumer })
          const reason = await consumer.ended
          if (reason != null && !signal.aborted) await emit(errorLine(reason)).catch(() => {})
        })
      }
    },
    {
      method: 'POST',
      path: '/durable/:name/ack',
      auth: true,
      handle: async ({ params, body }) => {
        const name = params.name ?? ''
        const { consumer, seqs } = (body ?? {}) as { consumer?: unknown, seqs?: unknown }
        if (typeof consumer !== 'string') throw new ApiRequestError(400, 'BAD_REQUEST', 'consumer is the id of the subscribed line')
        if (!Array.isArray(seqs) || seqs.length > MAX_ACK_SEQS || !seqs.every(s => Number.isSafeInteger(s) && (s as number) > 0)) throw new ApiRequestError(400, 'BAD_REQUEST', `seqs is a list of up to ${MAX_ACK_SEQS} positive integers`)
        refusedAsBadRequest(() => node.durable.status(name))
        const attached = consumers.get(consumer)
        if (attached?.name !== name) throw new DurableError('DURABLE_DETACHED', `consumer ${consumer} was not attached to durable subscription ${name} (or long ago)`)
        await attached.consumer.ack(seqs as number[])
        return { ok: true, pending: node.durable.status(name).pending }
      }
    },
    {
      method: 'POST',
      path: '/durable/:name/unsubscribe',
      auth: true,
      handle: async ({ params }) => {
        const name = params.name ?? ''
        const status = refusedAsBadRequest(() => node.durable.status(name))
        await node.durable.unsubscribe(name)
        return { ok: true, name, deleted: status.stored }
      }
    }
  ]
}

/** a bad name is the request's fault (400); the other durable codes are answered as the server does (404 unknown, else 409) */
function refusedAsBadRequest<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof DurableError && err.code === 'DURABLE_NAME_INVALID') throw new ApiRequestError(400, err.code, err.message)
    throw err
  }
}

function messageLine (message: DurableMessage): object {
  return {
    type: 'message',
    durable: message.name,
    subject: message.subject,
    seq: message.seq,
    id: message.id,
    from: message.from,
    peer: message.peer,
    senderSeq: message.senderSeq,
    receivedAt: new Date(message.receivedAt).toISOString(),
    ...payload(message.data),
    ...(message.replySubject == null ? {} : { replySubject: message.replySubject })
  }
}
