/**
 * The daemon's accounting log (DIR/accounting.log): one JSON line per authorized exchange, as the
 * node's `account` event (and the leader's subject decisions) report it, appended and never
 * rewritten. Size-bounded: once the file would pass `maxBytes` it is renamed accounting.log.1 (the
 * older ones move up to .2 ... .files-1, the oldest is removed), so the log holds at most about
 * files x maxBytes. Lines are written in batches (one append per turn of the event loop); at most
 * MAX_QUEUED lines wait for a write, more are dropped and counted (`dropped`), so a stuck disk
 * cannot take the daemon's memory.
 */
import { appendFile, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

export const ACCOUNTING_FILE = 'accounting.log'
export const ACCOUNTING_DEFAULTS = { enabled: true, maxBytes: 16 * 1024 * 1024, files: 4 }
const MAX_QUEUED = 10_000

export interface AccountingLogInit {
  dir: string
  /** a file is rotated once it would pass this many bytes. @default 16 MiB */
  maxBytes?: number
  /** files kept, the current one included (at least 1). @default 4 */
  files?: number
}

export class AccountingLog {
  readonly path: string
  /** lines dropped because too many waited for a write */
  dropped = 0
  private readonly maxBytes: number
  private readonly files: number
  private queue: string[] = []
  private size: number | undefined
  private writing: Promise<void> = Promise.resolve()
  private scheduled = false
  private readonly onError: (err: unknown) => void

  constructor (init: AccountingLogInit, onError: (err: unknown) => void) {
    this.path = join(init.dir, ACCOUNTING_FILE)
    this.maxBytes = init.maxBytes ?? ACCOUNTING_DEFAULTS.maxBytes
    this.files = init.files ?? ACCOUNTING_DEFAULTS.files
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1024) throw new RangeError(`accounting.maxBytes must be at least 1024, got ${this.maxBytes}`)
    if (!Number.isSafeInteger(this.files) || this.files < 1) throw new RangeError(`accounting.files must be at least 1, got ${this.files}`)
    this.onError = onError
  }

  append (record: object): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++
      return
    }
    this.queue.push(`${JSON.stringify(record)}\n`)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const lines = this.queue.splice(0)
      this.writing = this.writing.then(async () => { await this.write(lines) }).catch(this.onError)
    })
  }

  /** resolves once every line appended so far is on disk */
  async flush (): Promise<void> {
    while (this.scheduled || this.queue.length > 0) await new Promise<void>((resolve) => { setImmediate(resolve) })
    await this.writing
  }

  private async write (lines: string[]): Promise<void> {
    const text = lines.join('')
    const bytes = Buffer.byteLength(text)
    this.size ??= await stat(this.path).then(s => s.size, () => 0)
    if (this.size > 0 && this.size + bytes > this.maxBytes) await this.rotate()
    await appendFile(this.path, text, { mode: 0o600 })
    this.size += bytes
  }

  private async rotate (): Promise<void> {
    await rm(`${this.path}.${this.files - 1}`, { force: true })
    for (let n = this.files - 2; n >= 1; n--) await rename(`${this.path}.${n}`, `${this.path}.${n + 1}`).catch(() => {})
    if (this.files > 1) await rename(this.path, `${this.path}.1`)
    else await rm(this.path, { force: true })
    this.size = 0
  }
}

/** Every record in DIR's accounting files, oldest first (lines that do not parse are skipped). */
export async function readAccounting (dir: string): Promise<Array<Record<string, unknown>>> {
  const rotated = (await readdir(dir).catch(() => [] as string[]))
    .map(name => /^accounting\.log\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match != null)
    .map(match => Number(match[1]))
    .sort((a, b) => b - a)
  const path = join(dir, ACCOUNTING_FILE)
  const names = [...rotated.map(n => `${path}.${n}`), path]
  const records: Array<Record<string, unknown>> = []
  for (const name of names) {
    const text = await readFile(name, 'utf8').catch(() => '')
    for (const line of text.split('\n')) {
      if (line === '') continue
      try {
        const value: unknown = JSON.parse(line)
        if (value != null && typeof value === 'object' && !Array.isArray(value)) records.push(value as Record<string, unknown>)
      } catch {
        // a line cut short by a crash: the rest of the log is still read
      }
    }
  }
  return records
}
