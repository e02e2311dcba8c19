/**
 * Writing the leader's state files: whole files atomically (a temporary file in the same
 * directory, synced, then renamed over the old one, so a reader or a crash never sees half a file),
 * the issued-token log by appending whole lines.
 */
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Writes `text` to `path` atomically with the given mode (0600 for anything secret). */
export async function writeFileAtomic (path: string, text: string, mode: number): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', mode)
  try {
    // the umask only removes bits; set the mode explicitly so a 0644 file is 0644 everywhere
    await handle.chmod(mode)
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } catch (err) {
    await handle.close()
    await unlink(tmp).catch(() => {})
    throw err
  }
  await handle.close()
  try {
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}

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
          await writeFileAtomic(this.path, this.render(), this.mode)
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
