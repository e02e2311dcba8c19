/**
 * Writing the leader's state files: whole files atomically (a temporary file in the same
 * directory, synced, then renamed over the old one, so a reader or a crash never sees half a file),
 * the issued-token log by appending whole lines.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeFileAtomic } from '@realmesh/token'

/** Appends one line (O_APPEND, so concurrent writers never interleave within a line); creates the file 0600. */
export async function appendLine (path: string, line: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await appendFile(path, `${line}\n`, { encoding: 'utf8', mode: 0o600 })
}

/** The file's text, or undefined when there is no file. */
export async function readTextIfExists (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Keeps one file in step with in-memory state: `save()` schedules a write of whatever `render()`
 * returns when the write starts, and resolves once a write that started after the call is on disk.
 * Saves that arrive while a write runs are coalesced into the next one, so a burst of changes costs
 * two writes, not one per change.
 */
export class AtomicFile {
  readonly path: string
  private readonly mode: number
  private readonly render: () => string
  private dirty = false
  private running: Promise<void> | undefined
  private waiters: Array<PromiseWithResolvers<void>> = []

  constructor (path: string, mode: number, render: () => string) {
    this.path = path
    this.mode = mode
    this.render = render
  }

  async save (): Promise<void> {
    this.dirty = true
    const waiter = Promise.withResolvers<void>()
    this.waiters.push(waiter)
    this.running ??= this.loop()
    return waiter.promise
  }

  /** Resolves when no write is running or scheduled (errors are reported to the savers, not here). */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private async loop (): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false
        const waiters = this.waiters
        this.waiters = []
        try {
          await writeFileAtomic(this.path, this.render(), { mode: this.mode })
          for (const waiter of waiters) waiter.resolve()
        } catch (err) {
          for (const waiter of waiters) waiter.reject(err)
        }
      }
    } finally {
      this.running = undefined
    }
  }
}

/** the one atomic write, from @realmesh/token */
export { writeFileAtomic }
