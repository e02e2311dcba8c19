/**
 * Writing a whole file atomically: a temporary file in the same directory (created with the mode,
 * the mode set again since the umask only removes bits), synced, then moved into place, so a reader
 * or a crash never sees half a file. Used for key files here, and for the leader's and the CLI's
 * state files.
 */
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export interface WriteFileAtomicOptions {
  /** file mode. @default 0o600 */
  mode?: number
  /**
   * replace an existing file. Without it, an existing file is refused with an error whose `code`
   * is `EEXIST` (atomically: the temporary file is hard-linked to the path). @default true
   */
  overwrite?: boolean
}

/** Writes `text` to `path` atomically; creates the parent directory with mode 0700 when missing. */
export async function writeFileAtomic (path: string, text: string, options: WriteFileAtomicOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', mode)
  try {
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
    if (options.overwrite ?? true) {
      await rename(tmp, path)
    } else {
      await link(tmp, path)
      await unlink(tmp)
    }
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}
