/**
 * Small file helpers for data dirs: atomic writes with an explicit mode (a reader never sees half a
 * token), and bounded reads (a data dir file is never megabytes).
 */
import { mkdir, open, readFile, rename, rm, stat, chmod } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CliError } from '../errors.js'

/** Creates `dir` (and parents) with mode 0700 when missing. */
export async function ensureDir (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
}

/** Writes `text` to `path` through a temp file in the same dir and a rename, with `mode`. */
export async function writeFileAtomic (path: string, text: string, mode = 0o600): Promise<void> {
  await ensureDir(dirname(path))
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', mode)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // the mode given to open() is filtered by the umask; say it again
    await chmod(tmp, mode)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/** Reads a text file of at most `maxBytes`; undefined when it does not exist. */
export async function readTextFile (path: string, maxBytes: number): Promise<string | undefined> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new CliError('FILE_INVALID', `${path} is not a file`)
    if (info.size > maxBytes) throw new CliError('FILE_TOO_LARGE', `${path} is ${info.size} bytes; at most ${maxBytes} expected`)
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined
    throw err
  }
}

/** Removes `path`; nothing when it is already gone. */
export async function removeFile (path: string): Promise<void> {
  await rm(path, { force: true })
}
