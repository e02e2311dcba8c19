/**
 * Reading a YAML config file: bounded in size, parse errors reported as ConfigError with the line,
 * and validation errors reported against the file's name.
 */
import { readFile, stat } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import { CliError, ConfigError } from '../errors.js'
import type { Check } from './schema.js'

/** config files are a few KiB; anything this large is the wrong file */
export const MAX_CONFIG_BYTES = 1024 * 1024

/** Parses YAML text into plain data; `file` only names the source in errors. */
export function parseYaml (text: string, file?: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  const error = doc.errors[0]
  if (error != null) {
    const line = error.linePos?.[0]
    throw new ConfigError({ file, path: '', expected: 'valid YAML', got: `${error.code}${line == null ? '' : ` at line ${line.line}, column ${line.col}`}` })
  }
  try {
    // maxAliasCount bounds the "billion laughs" expansion of anchors and aliases
    return doc.toJS({ maxAliasCount: 100 }) as unknown
  } catch (err) {
    throw new ConfigError({ file, path: '', expected: 'YAML without excessive aliases', got: (err as Error).message.split('\n')[0] ?? 'too many' })
  }
}

/** Parses and validates `text` with `check`, errors naming `file`. */
export function parseConfig<T> (text: string, check: Check<T>, file?: string): T {
  const data = parseYaml(text, file)
  try {
    return check(data, '')
  } catch (err) {
    if (err instanceof ConfigError && file != null) throw err.inFile(file)
    throw err
  }
}

/** Reads, parses and validates a config file. */
export async function loadConfigFile<T> (path: string, check: Check<T>): Promise<T> {
  let text: string
  try {
    const info = await stat(path)
    if (info.size > MAX_CONFIG_BYTES) throw new ConfigError({ file: path, path: '', expected: `a file of at most ${MAX_CONFIG_BYTES} bytes`, got: `${info.size} bytes` })
    text = await readFile(path, 'utf8')
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new CliError('CONFIG_UNREADABLE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err })
  }
  return parseConfig(text, check, path)
}
