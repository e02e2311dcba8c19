/**
 * Flag parsing on node:util's parseArgs (strict: unknown flags are errors), with errors turned into
 * UsageError, and the checks every verb needs.
 */
import { parseArgs } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from './errors.js'
import type { ParseArgsOptionsConfig } from 'node:util'

export function parseFlags<const O extends ParseArgsOptionsConfig> (argv: string[], options: O, maxPositionals = 0) {
  let result
  try {
    result = parseArgs({ args: argv, options, strict: true, allowPositionals: true, allowNegative: false })
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments')
  }
  if (result.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(result.positionals[maxPositionals])}`)
  }
  return result
}

/** the value of a required flag */
export function required (value: string | undefined, flag: string): string {
  if (value == null || value === '') throw new UsageError(`${flag} is required`)
  return value
}

/** a peer id (12D3KooW...), or UsageError PEER_ID_INVALID */
export function checkPeerId (text: string, flag: string): string {
  try {
    return peerIdFromString(text).toString()
  } catch {
    throw new UsageError(`${flag}: expected a peer id (12D3KooW...), got ${JSON.stringify(text.slice(0, 80))}`, 'PEER_ID_INVALID')
  }
}

/** `KEY=VALUE` pairs (repeatable --attr) */
export function parseAttributes (pairs: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (pairs == null || pairs.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`${flag}: expected KEY=VALUE, got ${JSON.stringify(pair)}`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}
