/**
 * Small file helpers for data dirs: atomic writes with an explicit mode (a reader never sees half a
 * token), and bounded reads (a data dir file is never megabytes).
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { CliError } from '../errors.js'
import { writeFileAtomic } from '@realmesh/token'

/** Creates `dir` (and parents) with mode 0700 when missing. */
export async function ensureDir (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
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

/** the one atomic write, from @realmesh/token */
export { writeFileAtomic }
