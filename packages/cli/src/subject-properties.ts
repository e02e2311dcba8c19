/**
 * A subject's message properties (@realmesh/node's SubscribeOptions / PublishOptions) as the CLI's
 * flags and as the control API's body fields take them. Both sides check the same table, so a bad
 * value is refused before anything is sent (a UsageError naming the flag; a 400 naming the field).
 *
 *   flag                     body field              both / publish   default (the node's)
 *   --threshold N            threshold               both             1000
 *   --interest-ttl DUR       interestTtlSeconds      both             300 s
 *   --refresh DUR            refreshMs               both             a third of the interest TTL
 *   --max-message-bytes N    maxMessageBytes         both             1048576
 *   --retries N              maxRetries              publish          10
 *   --cache-size N           cache.size              publish          100
 *   --cache-policy P         cache.policy            publish          fifo (or lifo)
 *   --cache-when-full W      cache.whenFull          publish          purge (or reject)
 *   --max-parallel N         maxParallel             both             1024 (acked messages in flight per sender node and receiver)
 *   --intent-attr K=V...     intentAttrs             both             none
 *   --attr K=V...            attrs                   publish          none (the message's own)
 *   --filter K=V...          filter                  subscribe        none (every message)
 *
 * Attributes are at most 16, names of 1..64 characters, values of at most 256 (@realmesh/token's
 * attributesProblem); a filter's name given twice takes either value.
 */
import { MAX_MESSAGE_BYTES, MESSAGE_WINDOW } from '@realmesh/wire'
import { MAX_ATTRIBUTES, attributesProblem } from '@realmesh/token'
import { UsageError } from './errors.js'
import { parseDuration } from './duration.js'
import { parseAttributes } from './args.js'

/** thrown with what is wrong; the caller makes it a UsageError or a 400 */
export class PropertyProblem extends Error {}

export interface InterestProperties {
  intentAttrs?: Record<string, string>
  maxParallel?: number
  threshold?: number
  interestTtlSeconds?: number
  refreshMs?: number
  maxMessageBytes?: number
}

export interface PublishProperties extends InterestProperties {
  attrs?: Record<string, string>
  maxRetries?: number
  cache?: { size?: number, policy?: 'fifo' | 'lifo', whenFull?: 'reject' | 'purge' }
}

/** the flags subscribe and publish both take */
export const INTEREST_FLAGS = {
  'intent-attr': { type: 'string', multiple: true },
  'max-parallel': { type: 'string' },
  threshold: { type: 'string' },
  'interest-ttl': { type: 'string' },
  refresh: { type: 'string' },
  'max-message-bytes': { type: 'string' }
} as const

/** the flags only publish takes */
export const PUBLISH_FLAGS = {
  ...INTEREST_FLAGS,
  attr: { type: 'string', multiple: true },
  retries: { type: 'string' },
  'cache-size': { type: 'string' },
  'cache-policy': { type: 'string' },
  'cache-when-full': { type: 'string' }
} as const

/** the 24 days of a timer's range: a longer interest TTL or refresh would fire at once */
const MAX_TIMER_MS = 2 ** 31 - 1

/** [field, min, max] of each whole-number property */
const LIMITS = {
  threshold: [1, 1_000_000_000],
  interestTtlSeconds: [1, Math.floor(MAX_TIMER_MS / 1000)],
  refreshMs: [1000, MAX_TIMER_MS],
  maxMessageBytes: [1, MAX_MESSAGE_BYTES],
  maxRetries: [0, 1000],
  maxParallel: [1, MESSAGE_WINDOW],
  size: [0, 100_000]
} as const

function whole (value: unknown, field: keyof typeof LIMITS, path: string = field): number | undefined {
  if (value === undefined) return undefined
  const [min, max] = LIMITS[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new PropertyProblem(`${path} is an integer in ${min}..${max}, got ${JSON.stringify(value)}`)
  return value
}

function oneOf<const T extends string> (value: unknown, allowed: readonly T[], path: string): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new PropertyProblem(`${path} is ${allowed.join(' or ')}, got ${JSON.stringify(value)}`)
  return value as T
}

/** drops the fields left undefined (the node's defaults apply to them) */
function defined<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

function attributes (value: unknown, path: string): Record<string, string> | undefined {
  if (value === undefined) return undefined
  const problem = attributesProblem(value)
  if (problem != null) throw new PropertyProblem(`${path} is ${problem}`)
  return value as Record<string, string>
}

/** a subscription's filter of an API body: an object of at most 16 names, each a string or an array of strings */
export function filterOf (value: unknown): Record<string, string | string[]> | undefined {
  if (value === undefined) return undefined
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : undefined
  if (entries == null || entries.length > MAX_ATTRIBUTES || entries.some(([, v]) => !(typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every(x => typeof x === 'string'))))) {
    throw new PropertyProblem(`filter is an object of at most ${MAX_ATTRIBUTES} names, each a string or a non-empty array of strings`)
  }
  return value as Record<string, string | string[]>
}

/** the interest properties of an API body, checked (PropertyProblem) */
export function interestPropertiesOf (body: Record<string, unknown>): InterestProperties {
  return defined({
    intentAttrs: attributes(body.intentAttrs, 'intentAttrs'),
    maxParallel: whole(body.maxParallel, 'maxParallel'),
    threshold: whole(body.threshold, 'threshold'),
    interestTtlSeconds: whole(body.interestTtlSeconds, 'interestTtlSeconds'),
    refreshMs: whole(body.refreshMs, 'refreshMs'),
    maxMessageBytes: whole(body.maxMessageBytes, 'maxMessageBytes')
  })
}

/** the publish properties of an API body, checked (PropertyProblem) */
export function publishPropertiesOf (body: Record<string, unknown>): PublishProperties {
  const cache = body.cache
  if (cache !== undefined && (typeof cache !== 'object' || cache === null || Array.isArray(cache))) throw new PropertyProblem('cache is an object { size?, policy?, whenFull? }')
  const c = (cache ?? {}) as Record<string, unknown>
  const cacheProperties = defined({ size: whole(c.size, 'size', 'cache.size'), policy: oneOf(c.policy, ['fifo', 'lifo'], 'cache.policy'), whenFull: oneOf(c.whenFull, ['reject', 'purge'], 'cache.whenFull') })
  return defined({
    ...interestPropertiesOf(body),
    attrs: attributes(body.attrs, 'attrs'),
    maxRetries: whole(body.maxRetries, 'maxRetries'),
    cache: Object.keys(cacheProperties).length === 0 ? undefined : cacheProperties
  })
}

type FlagValues = Partial<Record<Exclude<keyof typeof PUBLISH_FLAGS, 'attr' | 'intent-attr'>, string>> & { attr?: string[], 'intent-attr'?: string[] }

function integerFlag (text: string | undefined, flag: string): number | undefined {
  if (text == null) return undefined
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${flag} is a whole number, got ${JSON.stringify(text.slice(0, 40))}`)
  return Number(text)
}

/** the body fields of the interest flags (INTEREST_FLAGS), checked as the daemon checks them */
export function interestPropertiesFromFlags (values: FlagValues): InterestProperties {
  return asUsage(() => interestPropertiesOf({
    intentAttrs: parseAttributes(values['intent-attr'], '--intent-attr'),
    maxParallel: integerFlag(values['max-parallel'], '--max-parallel'),
    threshold: integerFlag(values.threshold, '--threshold'),
    interestTtlSeconds: values['interest-ttl'] == null ? undefined : parseDuration(values['interest-ttl']),
    refreshMs: values.refresh == null ? undefined : parseDuration(values.refresh) * 1000,
    maxMessageBytes: integerFlag(values['max-message-bytes'], '--max-message-bytes')
  }))
}

/** the body fields of publish's property flags (PUBLISH_FLAGS), checked as the daemon checks them */
export function publishPropertiesFromFlags (values: FlagValues): PublishProperties {
  return asUsage(() => publishPropertiesOf({
    ...interestPropertiesFromFlags(values),
    attrs: parseAttributes(values.attr, '--attr'),
    maxRetries: integerFlag(values.retries, '--retries'),
    cache: { size: integerFlag(values['cache-size'], '--cache-size'), policy: values['cache-policy'], whenFull: values['cache-when-full'] }
  }))
}

/** the flag a body field comes from, for messages */
/** `--filter NAME=VALUE` flags: a name given twice takes either value */
export function filterFromFlags (pairs: string[] | undefined): Record<string, string | string[]> | undefined {
  if (pairs == null || pairs.length === 0) return undefined
  const filter: Record<string, string[]> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`--filter: expected NAME=VALUE, got ${JSON.stringify(pair)}`)
    ;(filter[pair.slice(0, at)] ??= []).push(pair.slice(at + 1))
  }
  return asUsage(() => filterOf(Object.fromEntries(Object.entries(filter).map(([name, values]) => [name, values.length === 1 ? values[0] as string : values]))))
}

const FLAG_OF: Record<string, string> = { maxParallel: '--max-parallel', filter: '--filter', intentAttrs: '--intent-attr', attrs: '--attr', threshold: '--threshold', interestTtlSeconds: '--interest-ttl', refreshMs: '--refresh', maxMessageBytes: '--max-message-bytes', maxRetries: '--retries', 'cache.size': '--cache-size', 'cache.policy': '--cache-policy', 'cache.whenFull': '--cache-when-full' }

function asUsage<T> (check: () => T): T {
  try {
    return check()
  } catch (err) {
    if (!(err instanceof PropertyProblem)) throw err
    const field = err.message.split(' ')[0] ?? ''
    throw new UsageError(err.message.replace(field, FLAG_OF[field] ?? field))
  }
}
