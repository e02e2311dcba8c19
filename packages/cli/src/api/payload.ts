/**
 * Message data in the control API's JSON: `{ "data": "text" }` for UTF-8 text, or
 * `{ "dataBase64": "..." }` for anything else. Answers use `data` when the bytes are valid UTF-8.
 */
import { ApiRequestError } from './server.js'

const strict = new TextDecoder('utf-8', { fatal: true })

export type Payload = { data: string } | { dataBase64: string }

/** the bytes of a request body's `data` / `dataBase64` (exactly one of them) */
export function payloadOf (body: unknown): Uint8Array {
  const { data, dataBase64 } = (body ?? {}) as { data?: unknown, dataBase64?: unknown }
  if (typeof data === 'string' && dataBase64 === undefined) return new TextEncoder().encode(data)
  if (typeof dataBase64 === 'string' && data === undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(dataBase64)) throw new ApiRequestError(400, 'BAD_REQUEST', 'dataBase64 is not base64')
    return new Uint8Array(Buffer.from(dataBase64, 'base64'))
  }
  throw new ApiRequestError(400, 'BAD_REQUEST', 'give the message as "data" (text) or "dataBase64", one of them')
}

/** bytes as `{ data }` when they are UTF-8 text, else `{ dataBase64 }` */
export function payload (bytes: Uint8Array): Payload {
  try {
    return { data: strict.decode(bytes) }
  } catch {
    return { dataBase64: Buffer.from(bytes).toString('base64') }
  }
}
