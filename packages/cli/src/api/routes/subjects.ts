/**
 * Subjects and direct requests through the daemon's node (bearer token on all of them):
 *   GET  /subjects                      { subjects: [{ subject, key, role, coordinators, counterparts, properties }], stats }
 *   POST /subjects/SUBJECT/publish      body { data | dataBase64, ack?, ttlMs?, replySubject?, audience?, id?, to?, progress? } -> the publish result
 *                                       (to: node.sendTo that identity or node);
 *                                       with progress: true, NDJSON: { type: 'accepted', id, stored } once the node took
 *                                       it (stored: in its outbox), then { type: 'result', ...the publish result } or
 *                                       { type: 'error', code, message }
 *   POST /subjects/SUBJECT/subscribe    body { ack?, role?, audience? } -> NDJSON: { type: 'subscribed', ... } then
 *                                       { type: 'message', subject, id, from, peer, seq, receivedAt, senderAttrs, attrs, hops, data | dataBase64, replySubject? }
 *                                       per message, until the client goes away (that ends the subscription);
 *                                       or { type: 'error', code, message } when the node refused the subscription
 * `audience` is an Audience as JSON (../../audience.ts); without it a subject's first use is public.
 * Both take the subject properties intentAttrs, maxParallel, threshold, interestTtlSeconds, refreshMs,
 * maxMessageBytes; publish also attrs (the message's), maxRetries and cache { size, policy,
 * whenFull }, subscribe filter (../../subject-properties.ts).
 *   POST /send/PEER_ID                  body { data | dataBase64 } -> { data | dataBase64 } (the peer's answer)
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_MESSAGE_BYTES, MAX_SUBJECT_BYTES } from '@realmesh/wire'
import { ApiRequestError } from '../server.js'
import { JsonLines } from '../router.js'
import { payload, payloadOf } from '../payload.js'
import { AudienceProblem, audienceFromJson } from '../../audience.js'
import { PropertyProblem, filterOf, interestPropertiesOf, publishPropertiesOf } from '../../subject-properties.js'
import type { RealmNode, AckMode, PublishOptions, PublishResult, SubjectMessage } from '@realmesh/node'
import type { Audience } from '@realmesh/token'
import type { Route } from '../router.js'

/** base64 of the largest message, plus room for the rest of the body */
export const MAX_PUBLISH_BODY_BYTES = Math.ceil(MAX_MESSAGE_BYTES / 3) * 4 + 64 * 1024

/** the longest a publish may wait for its acks (its TTL), ms */
export const MAX_PUBLISH_TTL_MS = 600_000

export function subjectRoutes (node: RealmNode): Route[] {
  return [
    {
      method: 'GET',
      path: '/subjects',
      auth: true,
      handle: () => ({ subjects: node.subjects(), stats: node.messageStats() })
    },
    {
      method: 'POST',
      path: '/subjects/:subject/publish',
      auth: true,
      maxBodyBytes: MAX_PUBLISH_BODY_BYTES,
      handle: async ({ params, body }) => {
        const options = (body ?? {}) as Record<string, unknown> & { ack?: unknown, ttlMs?: unknown, replySubject?: unknown, audience?: unknown, id?: unknown, progress?: unknown }
        const ack = ackOf(options.ack, 'none')
        const ttlMs = options.ttlMs === undefined ? undefined : positiveInt(options.ttlMs, 'ttlMs', MAX_PUBLISH_TTL_MS)
        const replySubject = options.replySubject === undefined ? undefined : subjectOf(options.replySubject, 'replySubject')
        const audience = audienceOf(options.audience)
        const id = messageIdOf(options.id)
        const properties = propertiesOf(() => publishPropertiesOf(options))
        const to = receiverOf(options.to)
        const subject = subjectOf(params.subject, 'subject')
        const data = payloadOf(body)
        const send = async (o: PublishOptions): Promise<PublishResult> => to == null ? node.publish(subject, data, o) : node.sendTo(subject, to, data, o)
        if (options.progress !== true) return send({ ack, ttlMs, replySubject, audience, id, ...properties })
        return new JsonLines(async (emit) => {
          try {
            const result = await send({ ack, ttlMs, replySubject, audience, id, ...properties, onAccepted: (accepted) => { void emit({ type: 'accepted', ...accepted }).catch(() => {}) } })
            await emit({ type: 'result', ...result })
          } catch (err) {
            await emit(errorLine(err)).catch(() => {})
          }
        })
      }
    },
    {
      method: 'POST',
      path: '/subjects/:subject/subscribe',
      auth: true,
      handle: ({ params, body }) => {
        const subject = subjectOf(params.subject, 'subject')
        const options = (body ?? {}) as Record<string, unknown> & { ack?: unknown, role?: unknown, audience?: unknown }
        const ack = ackOf(options.ack, 'destination')
        const role = roleOf(options.role)
        const audience = audienceOf(options.audience)
        const properties = propertiesOf(() => interestPropertiesOf(options))
        const filter = propertiesOf(() => filterOf(options.filter))
        return new JsonLines(async (emit, signal) => {
          let subscription
          try {
            // with ack 'app', a message is acked once its line reached the client's socket
            subscription = await node.subscribe(subject, async (message) => { await emit(messageLine(message)).catch(() => {}) }, { ack, role, audience, filter, ...properties, signal })
          } catch (err) {
            // the stream's status is sent already: the refusal is its last line
            await emit(errorLine(err)).catch(() => {})
            return
          }
          try {
            const status = node.subjects().find(s => s.subject === subject)
            await emit({ type: 'subscribed', subject, key: status?.key, role: status?.role, audience: status?.audience, coordinators: status?.coordinators ?? [] })
            await new Promise<void>((resolve) => {
              if (signal.aborted) resolve()
              else signal.addEventListener('abort', () => { resolve() }, { once: true })
            })
          } finally {
            await subscription.unsubscribe()
          }
        })
      }
    },
    {
      method: 'POST',
      path: '/send/:peer',
      auth: true,
      maxBodyBytes: MAX_PUBLISH_BODY_BYTES,
      handle: async ({ params, body, signal }) => {
        let peer
        try {
          peer = peerIdFromString(params.peer ?? '')
        } catch {
          throw new ApiRequestError(400, 'PEER_ID_INVALID', 'expected a peer id (12D3KooW...)')
        }
        return payload(await node.send(peer, payloadOf(body), { signal }))
      }
    }
  ]
}

function receiverOf (value: unknown): string | undefined {
  if (value === undefined) return undefined
  try {
    if (typeof value !== 'string') throw new TypeError('not a string')
    return peerIdFromString(value).toString()
  } catch {
    throw new ApiRequestError(400, 'PEER_ID_INVALID', 'to is an identity or node peer id (12D3KooW...)')
  }
}

function messageIdOf (value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value)) throw new ApiRequestError(400, 'BAD_REQUEST', 'id is 32 hex digits (16 bytes)')
  return value
}

/** a refusal as the last line of a stream whose status was sent already */
export function errorLine (err: unknown): { type: 'error', code: string, message: string } {
  const { code, message } = err as { code?: unknown, message?: unknown }
  return { type: 'error', code: typeof code === 'string' ? code : 'INTERNAL', message: String(message) }
}

function messageLine (message: SubjectMessage): object {
  return { type: 'message', subject: message.subject, id: message.id, from: message.from, peer: message.peer, seq: message.seq, receivedAt: message.receivedAt, senderAttrs: message.senderAttrs, attrs: message.attrs, hops: message.hops, ...payload(message.data), ...(message.replySubject == null ? {} : { replySubject: message.replySubject }) }
}

export function subjectOf (value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > MAX_SUBJECT_BYTES) throw new ApiRequestError(400, 'BAD_REQUEST', `${field} is 1 to ${MAX_SUBJECT_BYTES} bytes of text`)
  return value
}

export function audienceOf (value: unknown): Audience | undefined {
  try {
    return audienceFromJson(value)
  } catch (err) {
    if (err instanceof AudienceProblem) throw new ApiRequestError(400, 'BAD_REQUEST', `audience: ${err.message}`)
    throw err
  }
}

/** the subject properties of a body (subject-properties.ts), or 400 naming the bad field */
function propertiesOf<T> (check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (err instanceof PropertyProblem) throw new ApiRequestError(400, 'BAD_REQUEST', err.message)
    throw err
  }
}

export function roleOf (value: unknown): 'receiver' | 'both' {
  if (value !== undefined && value !== 'receiver' && value !== 'both') throw new ApiRequestError(400, 'BAD_REQUEST', 'role is "receiver" or "both"')
  return value ?? 'receiver'
}

function ackOf (value: unknown, fallback: AckMode): AckMode {
  if (value === undefined) return fallback
  if (value === true) return 'destination'
  if (value === false) return 'none'
  if (value === 'none' || value === 'destination' || value === 'app') return value
  throw new ApiRequestError(400, 'BAD_REQUEST', 'ack is "none", "destination", "app" or a boolean')
}

function positiveInt (value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw new ApiRequestError(400, 'BAD_REQUEST', `${field} is an integer in 1..${max}`)
  return value
}
