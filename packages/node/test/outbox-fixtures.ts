// What the outbox tests and their publisher process (outbox-publisher.ts) agree on: message i's id
// and data, so that a message published again after a crash has the id it had before.
import { createHash } from 'node:crypto'

/** message i's id: 32 hex digits derived from i */
export function idOf (i: number): string {
  return createHash('sha256').update(`outbox test message ${i}`).digest('hex').slice(0, 32)
}

/** message i's data: 1 KiB that starts with its number */
export function dataOf (i: number): Uint8Array {
  const data = new Uint8Array(1024).fill(0x2e)
  data.set(new TextEncoder().encode(`${i} `))
  return data
}

/** the number message data starts with */
export function numberOf (data: Uint8Array): number {
  return Number.parseInt(new TextDecoder().decode(data.subarray(0, 8)), 10)
}

/** what the test hands the publisher process (argv[2], JSON) */
export interface PublisherInput {
  /** realm.json */
  realm: unknown
  /** the node's private key, protobuf, base64 */
  key: string
  token: string
  bootstrap: string[]
  /** the store's directory */
  store: string
  subject: string
  count: number
}
