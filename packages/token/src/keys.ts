/**
 * Key generation and key files. A key file holds one libp2p protobuf-marshalled Ed25519 private
 * key, base64 (standard alphabet, padded) on one line, mode 0600.
 */
import { readFile, stat } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { KeyFileError } from './errors.js'
import { writeFileAtomic } from './files.js'
import type { Ed25519PrivateKey } from '@libp2p/interface'

/** A key file is ~100 bytes; anything much larger is not one, and is not read into memory. */
const MAX_KEY_FILE_BYTES = 4096

/** A fresh random Ed25519 key (node, leader or identity key). */
export async function generateNodeKey (): Promise<Ed25519PrivateKey> {
  return generateKeyPair('Ed25519')
}

export interface WriteKeyFileOptions {
  /** Replace an existing file at the path. @default false */
  overwrite?: boolean
}

function errnoCode (err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined
}

/**
 * Writes the key to path: to a temporary file (mode 0600) in the same directory, then moved into
 * place, so a reader never sees a partial key. Creates the parent directory with mode 0700 when it
 * is missing. Without `overwrite`, an existing file is refused with KEY_FILE_EXISTS (atomically:
 * the temporary file is hard-linked to the path, which fails when the path exists).
 */
export async function writeKeyFile (path: string, key: Ed25519PrivateKey, options: WriteKeyFileOptions = {}): Promise<void> {
  const text = `${Buffer.from(privateKeyToProtobuf(key)).toString('base64')}\n`
  try {
    await writeFileAtomic(path, text, { mode: 0o600, overwrite: options.overwrite ?? false })
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new KeyFileError('KEY_FILE_EXISTS', path,
        `key file ${path} already exists; refusing to replace a key (pass { overwrite: true } to replace it)`)
    }
    throw err
  }
}

/**
 * Reads a key file written by {@link writeKeyFile}. Refuses, like ssh does, a file that group or
 * others may access (KEY_FILE_PERMISSIONS: fix with `chmod 600 PATH`); a missing file is
 * KEY_FILE_NOT_FOUND; anything but one base64 protobuf Ed25519 private key is KEY_FILE_MALFORMED.
 */
export async function readKeyFile (path: string): Promise<Ed25519PrivateKey> {
  let info
  try {
    info = await stat(path)
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') {
      throw new KeyFileError('KEY_FILE_NOT_FOUND', path, `key file ${path} not found (create one with writeKeyFile, or \`realmesh node init\`)`, { cause: err })
    }
    throw err
  }
  if (!info.isFile()) {
    throw new KeyFileError('KEY_FILE_MALFORMED', path, `key file ${path} is not a regular file; expected a file holding one base64 Ed25519 private key`)
  }
  // POSIX permission bits mean nothing on Windows
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, '0')
    throw new KeyFileError('KEY_FILE_PERMISSIONS', path,
      `key file ${path} has mode ${mode}: a private key must not be accessible by group or others; run \`chmod 600 ${path}\``)
  }
  if (info.size > MAX_KEY_FILE_BYTES) {
    throw new KeyFileError('KEY_FILE_MALFORMED', path, `key file ${path} is ${info.size} bytes; expected one base64 Ed25519 private key (about 100 bytes)`)
  }

  const text = (await readFile(path, 'utf8')).trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new KeyFileError('KEY_FILE_MALFORMED', path, `key file ${path} is not one line of base64; expected a base64 protobuf-encoded Ed25519 private key`)
  }
  let key
  try {
    key = privateKeyFromProtobuf(Buffer.from(text, 'base64'))
  } catch (err) {
    throw new KeyFileError('KEY_FILE_MALFORMED', path, `key file ${path} does not decode to a libp2p private key; expected a base64 protobuf-encoded Ed25519 private key`, { cause: err })
  }
  if (key.type !== 'Ed25519') {
    throw new KeyFileError('KEY_FILE_MALFORMED', path, `key file ${path} holds a ${key.type} key; expected an Ed25519 private key`)
  }
  return key
}

/**
 * Reads the key file at path, or, when there is none, generates a key and writes it there.
 * Safe against a concurrent creator: whoever writes first wins, and both return that key.
 */
export async function readOrCreateKeyFile (path: string): Promise<Ed25519PrivateKey> {
  try {
    return await readKeyFile(path)
  } catch (err) {
    if (!(err instanceof KeyFileError) || err.code !== 'KEY_FILE_NOT_FOUND') {
      throw err
    }
  }
  const key = await generateNodeKey()
  try {
    await writeKeyFile(path, key)
    return key
  } catch (err) {
    if (err instanceof KeyFileError && err.code === 'KEY_FILE_EXISTS') {
      return readKeyFile(path)
    }
    throw err
  }
}
