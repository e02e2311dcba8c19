/**
 * One embedded store per data dir: a LevelDB database (datastore-level, the interface-datastore
 * that js-libp2p and Helia persist through) holding what must outlive the process and is too
 * hot for a JSON file: durable subscriptions and their messages, publications waiting for acks,
 * and libp2p's own peer store. Keys, tokens and the realm descriptor stay plain files.
 *
 * Crash safety: every write goes to LevelDB's write-ahead log before it resolves, so a SIGKILL
 * at any point loses nothing that was written (the kernel holds it). A power loss may lose the
 * last writes: LevelDB does not fsync each one, which is what keeps a stored publish cheap.
 *
 * Damage: LevelDB repairs a torn or corrupted write-ahead log at open by dropping what it cannot
 * read, and says so only in its own LOG file. This store reads that LOG after opening and, when
 * records were dropped, refuses to open (STORE_DAMAGED, naming the file) and leaves a DAMAGED
 * marker, so that the loss is reported once to the operator rather than hidden; removing the
 * marker goes on with what was kept.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelDatastore } from 'datastore-level'
import { RealmeshError } from '@realmesh/wire'
import { PrefixedDatastore } from './prefixed.js'
import type { Datastore } from 'interface-datastore'

export type StoreErrorCode = 'STORE_DAMAGED' | 'STORE_LOCKED' | 'STORE_FAILED'

/** The store could not be opened: damaged (STORE_DAMAGED), in use by another process (STORE_LOCKED), or another failure. */
export class StoreError extends RealmeshError {
  static override name = 'StoreError'
  /** the file or directory concerned */
  readonly path: string

  constructor (code: StoreErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.path = path
  }
}

export interface NodeStore {
  /** the store's directory */
  readonly path: string
  /** the whole store */
  readonly datastore: Datastore
  /** a part of the store under `/prefix` (its keys do not see the others') */
  namespace: (prefix: string) => Datastore
  close: () => Promise<void>
}

/** what LevelDB writes in its LOG when it dropped records of a damaged file at recovery */
const DROPPED = /(\S+): dropping (\d+) bytes; (Corruption: [^\n]*)/

/** Opens (creating when missing) the store at `path`. Throws StoreError. */
export async function openStore (path: string): Promise<NodeStore> {
  const marker = join(path, 'DAMAGED')
  const earlier = await readFile(marker, 'utf8').catch(() => undefined)
  if (earlier != null) throw damaged(path, marker, earlier.trim())
  // LevelDB writes its files 0644: the directory (0700) keeps other users out of the messages
  await mkdir(path, { recursive: true, mode: 0o700 })
  await chmod(path, 0o700)
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open({ createIfMissing: true })
  } catch (err) {
    throw openFailure(path, err)
  }
  const dropped = await droppedAtRecovery(path)
  if (dropped != null) {
    await db.close().catch(() => {})
    const text = `${new Date().toISOString()} ${dropped}`
    await writeFile(marker, `${text}\n`, { mode: 0o600 }).catch(() => {})
    throw damaged(path, marker, text)
  }
  const datastore = new LevelDatastore(db)
  return {
    path,
    datastore,
    namespace: (prefix) => new PrefixedDatastore(datastore, prefix),
    close: async () => { await db.close() }
  }
}

function damaged (path: string, marker: string, what: string): StoreError {
  return new StoreError('STORE_DAMAGED', path, `the store ${path} is damaged: ${what}. What could be read was kept; remove ${marker} to go on with it, or move ${path} away to start with an empty store`)
}

function openFailure (path: string, err: unknown): StoreError {
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  if (cause?.code === 'LEVEL_LOCKED') return new StoreError('STORE_LOCKED', path, `the store ${path} is in use by another process (${cause.message ?? 'locked'})`, { cause: err })
  if (cause?.code === 'LEVEL_CORRUPTION') return new StoreError('STORE_DAMAGED', path, `the store ${path} is damaged: ${cause.message ?? 'corruption'}; move it away to start with an empty store`, { cause: err })
  return new StoreError('STORE_FAILED', path, `the store ${path} could not be opened: ${cause?.message ?? (err as Error).message}`, { cause: err })
}

/** the first record LevelDB dropped while recovering its log at this open, from its LOG file */
async function droppedAtRecovery (path: string): Promise<string | undefined> {
  const log = await readFile(join(path, 'LOG'), 'utf8').catch(() => '')
  const match = DROPPED.exec(log)
  return match == null ? undefined : `${match[3] ?? 'corruption'} in ${match[1] ?? '?'} (${match[2] ?? '?'} bytes dropped; see ${join(path, 'LOG')})`
}
