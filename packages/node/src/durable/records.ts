/**
 * How durable subscriptions lie in the store, under `/durable` (interface-datastore keys):
 *
 *   /durable/def/NAME                    the definition (JSON)
 *   /durable/sub/NAME/meta               next seq, next id slot, drop counts (JSON)
 *   /durable/sub/NAME/entry/SEQ          per message kept: bytes, arrival, consumed (JSON, small:
 *                                        a start reads these, not the data)
 *   /durable/sub/NAME/data/SEQ           per message kept: a header (JSON) and the data
 *   /durable/sub/NAME/id/ID              an id stored once (empty), for dropping resent copies
 *   /durable/sub/NAME/slot/N             which id holds slot N of the ring that bounds the ids
 *
 * SEQ is zero-padded to 16 digits so that the store's key order is arrival order. Every change
 * of a message goes in one batch (LevelDB: atomic, in the write-ahead log before it resolves).
 */
import { Key } from 'interface-datastore'
import type { Batch, Datastore } from 'interface-datastore'
import type { DurableDrops } from './options.js'

export const ROOT = '/durable'

export interface Meta {
  /** the seq the next message gets */
  nextSeq: number
  /** the ring slot the next id takes */
  nextSlot: number
  dropped: DurableDrops
}

export interface Entry {
  seq: number
  bytes: number
  /** arrival, ms since the epoch */
  at: number
  consumed: boolean
}

export interface Header {
  id: string
  from: string
  peer: string
  senderSeq: number
  at: number
  replySubject?: string
}

const pad = (n: number): string => n.toString().padStart(16, '0')

export const paths = {
  definition: (name: string) => `/def/${name}`,
  definitions: '/def/',
  meta: (name: string) => `/sub/${name}/meta`,
  entry: (name: string, seq: number) => `/sub/${name}/entry/${pad(seq)}`,
  entries: (name: string) => `/sub/${name}/entry/`,
  data: (name: string, seq: number) => `/sub/${name}/data/${pad(seq)}`,
  id: (name: string, id: string) => `/sub/${name}/id/${id}`,
  slot: (name: string, slot: number) => `/sub/${name}/slot/${slot}`,
  all: (name: string) => `/sub/${name}/`
}

/**
 * The part of the node's store under /durable. Queries go to the whole store with the full
 * prefix: datastore-core's NamespaceDatastore drops the prefix of a query and filters every key of
 * the store instead (libp2p's peer store included), where LevelDB reads just the range.
 */
export class DurableStore {
  private readonly root: Datastore

  constructor (root: Datastore) {
    this.root = root
  }

  async get (path: string): Promise<Uint8Array | undefined> {
    try {
      return await this.root.get(key(path))
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return undefined
      throw err
    }
  }

  async has (path: string): Promise<boolean> {
    return this.root.has(key(path))
  }

  batch (): { put: (path: string, value: Uint8Array) => void, delete: (path: string) => void, commit: () => Promise<void> } {
    const batch: Batch = this.root.batch()
    return {
      put: (path, value) => { batch.put(key(path), value) },
      delete: (path) => { batch.delete(key(path)) },
      commit: async () => { await batch.commit() }
    }
  }

  /** every pair under `prefix`, in key order */
  async * query (prefix: string): AsyncGenerator<{ path: string, value: Uint8Array }> {
    for await (const { key: k, value } of this.root.query({ prefix: `${ROOT}${prefix}` })) yield { path: k.toString().slice(ROOT.length), value }
  }

  async * paths (prefix: string): AsyncGenerator<string> {
    for await (const k of this.root.queryKeys({ prefix: `${ROOT}${prefix}` })) yield k.toString().slice(ROOT.length)
  }
}

function key (path: string): Key {
  return new Key(`${ROOT}${path}`)
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function toJson (value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

export function fromJson<T> (bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T
}

/** a stored message: the header's length (4 bytes, big endian), the header (JSON), the data */
export function encodeMessage (header: Header, data: Uint8Array): Uint8Array {
  const head = encoder.encode(JSON.stringify(header))
  const out = new Uint8Array(4 + head.byteLength + data.byteLength)
  new DataView(out.buffer).setUint32(0, head.byteLength)
  out.set(head, 4)
  out.set(data, 4 + head.byteLength)
  return out
}

export function decodeMessage (bytes: Uint8Array): { header: Header, data: Uint8Array } {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0)
  const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as Header
  return { header, data: bytes.slice(4 + length) }
}

export function seqOf (path: string): number {
  return Number(path.slice(path.lastIndexOf('/') + 1))
}
