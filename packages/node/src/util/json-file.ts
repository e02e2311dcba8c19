/**
 * The state files a node keeps (bans, revocations): JSON read back leniently, written atomically
 * (a temporary file renamed over the old one) with mode 0600.
 */
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

/** the file's JSON value; undefined when there is no file; `damaged` when it is not JSON */
export async function readJsonFile (path: string): Promise<{ value: unknown } | undefined | 'damaged'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return { value: JSON.parse(text) }
  } catch {
    return 'damaged'
  }
}

/** writes `value` as JSON to `path` atomically, mode 0600 (its directory 0700 when created) */
export async function writeJsonFile (path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 })
  await rename(tmp, path)
}
