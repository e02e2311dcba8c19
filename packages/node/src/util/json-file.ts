/**
 * A list kept in a JSON file (an array), written atomically with mode 0600, and a writer that
 * saves in the background one write at a time, the last state winning. What the revocations and
 * the epochs a node holds are kept in across restarts.
 */
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface ListStore<T> {
  load: () => Promise<T[]>
  save: (items: T[]) => Promise<void>
}

/**
 * A ListStore in the JSON file `path`: `toJson` writes an item, `fromJson` reads one back
 * (undefined: not one, skipped). A missing file is an empty list; a damaged one too (what it held
 * comes back from members at the next join).
 */
export function jsonListFile<T, J> (path: string, toJson: (item: T) => J, fromJson: (value: unknown) => T | undefined): ListStore<T> {
  return {
    async load () {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return []
      }
      if (!Array.isArray(parsed)) return []
      return parsed.flatMap((entry: unknown) => {
        const item = fromJson(entry)
        return item == null ? [] : [item]
      })
    },
    async save (items) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      const tmp = `${path}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(items.map(toJson), null, 2) + '\n', { mode: 0o600 })
      await rename(tmp, path)
    }
  }
}

/**
 * Saves `current()` to a store in the background: one write at a time; a save asked for while one
 * waits is folded into it (the write takes the state as it is when it starts).
 */
export class BackgroundSaver<T> {
  private saving: Promise<void> = Promise.resolve()
  private dirty = false

  constructor (private readonly store: ListStore<T> | undefined, private readonly current: () => T[], private readonly onError: (err: Error) => void) {}

  save (): void {
    const store = this.store
    if (store == null || this.dirty) return
    this.dirty = true
    this.saving = this.saving.then(async () => {
      this.dirty = false
      await store.save(this.current())
    }).catch((err: unknown) => {
      this.onError(err as Error)
    })
  }

  /** resolves once what was asked for has been written */
  async idle (): Promise<void> {
    await this.saving
  }
}
