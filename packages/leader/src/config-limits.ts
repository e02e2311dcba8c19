/**
 * The two leader.yaml sections that keep onboarding from being jammed or guessed at:
 *
 *   requests:    bounds on token requests waiting for the operator (per source address, per time,
 *                how long an undecided one lives, how soon one whose node went away is cancelled)
 *   joinProofs:  what a wrong join-secret proof costs the address it came from
 *
 * A source address is the connection's remote IP: an IPv4 address, or the /64 an IPv6 address is in
 * (one host usually holds a whole /64).
 */
import { isWholeNumber, sectionOf, take } from './config-values.js'
import type { Check } from './config-values.js'
import type { ConfigProblem } from './errors.js'

/** a token bucket: `burst` at once, refilled at `perMinute` */
export interface Rate {
  burst: number
  perMinute: number
}

export interface RequestLimits {
  /** most undecided token requests from one source address; more are DENIED RATE_LIMITED. @default 10 */
  maxPendingPerAddress: number
  /** new token requests one source address may queue. @default { burst: 10, perMinute: 6 } */
  addressRate: Rate
  /** new token requests all addresses together may queue; more are DENIED BUSY. @default { burst: 100, perMinute: 60 } */
  globalRate: Rate
  /** an undecided request (token or deferred) is dropped after this many seconds. @default 86400 (a day) */
  expireSeconds: number
  /**
   * a token request whose node has not asked about it (TOKEN or STATUS) for this many seconds is
   * cancelled: the node was stopped or killed, or lost the leader. A restarted leader counts from
   * its start. @default 60
   */
  graceSeconds: number
}

export interface JoinProofLimits {
  /**
   * after a wrong join proof, the next proof from the same source address is refused unchecked
   * (DENIED RATE_LIMITED) for this many seconds, doubling with every further wrong one. @default 1
   */
  backoffSeconds: number
  /** this many wrong proofs from one address, and the address and every peer that sent them are banned. @default 5 */
  banAfter: number
  /** how long that ban lasts, seconds. @default 3600 */
  banSeconds: number
}

export function defaultRequestLimits (): RequestLimits {
  return {
    maxPendingPerAddress: 10,
    addressRate: { burst: 10, perMinute: 6 },
    globalRate: { burst: 100, perMinute: 60 },
    expireSeconds: 86_400,
    graceSeconds: 60
  }
}

export function defaultJoinProofLimits (): JoinProofLimits {
  return { backoffSeconds: 1, banAfter: 5, banSeconds: 3600 }
}

/** a waiting node polls at most twice a second: a shorter grace would cancel nodes that still wait */
const MIN_GRACE_SECONDS = 2
/** the largest count or rate any of these settings takes; anything above is a typo */
const MAX_COUNT = 1_000_000
/** a year, in seconds */
const MAX_SECONDS = 365 * 86_400

const count: Check = (v) => isWholeNumber(v) && v >= 1 && v <= MAX_COUNT
const seconds: Check = (v) => isWholeNumber(v) && v >= 1 && v <= MAX_SECONDS
const COUNT = `a whole number from 1 to ${MAX_COUNT}`
const SECONDS = `a whole number of seconds from 1 to ${MAX_SECONDS}`

/** Validates the `requests` section, filling defaults; problems go to `problems`. */
export function checkRequestLimits (value: unknown, path: string, problems: ConfigProblem[]): RequestLimits {
  const limits = defaultRequestLimits()
  const section = sectionOf(value, path, Object.keys(limits), problems)
  if (section === undefined) return limits
  take(section, 'maxPendingPerAddress', path, count, COUNT, problems, (v) => { limits.maxPendingPerAddress = v as number })
  take(section, 'expireSeconds', path, seconds, SECONDS, problems, (v) => { limits.expireSeconds = v as number })
  take(section, 'graceSeconds', path, (v) => seconds(v) && (v as number) >= MIN_GRACE_SECONDS, `${SECONDS}, at least ${MIN_GRACE_SECONDS} (a waiting node polls every 0.5 s at the fastest)`, problems, (v) => { limits.graceSeconds = v as number })
  limits.addressRate = checkRate(section.addressRate, `${path}.addressRate`, limits.addressRate, problems)
  limits.globalRate = checkRate(section.globalRate, `${path}.globalRate`, limits.globalRate, problems)
  return limits
}

/** Validates the `joinProofs` section, filling defaults; problems go to `problems`. */
export function checkJoinProofLimits (value: unknown, path: string, problems: ConfigProblem[]): JoinProofLimits {
  const limits = defaultJoinProofLimits()
  const section = sectionOf(value, path, Object.keys(limits), problems)
  if (section === undefined) return limits
  take(section, 'backoffSeconds', path, seconds, SECONDS, problems, (v) => { limits.backoffSeconds = v as number })
  take(section, 'banAfter', path, count, COUNT, problems, (v) => { limits.banAfter = v as number })
  take(section, 'banSeconds', path, seconds, SECONDS, problems, (v) => { limits.banSeconds = v as number })
  return limits
}

function checkRate (value: unknown, path: string, fallback: Rate, problems: ConfigProblem[]): Rate {
  const rate = { ...fallback }
  const section = sectionOf(value, path, ['burst', 'perMinute'], problems)
  if (section === undefined) return rate
  take(section, 'burst', path, count, COUNT, problems, (v) => { rate.burst = v as number })
  take(section, 'perMinute', path, count, COUNT, problems, (v) => { rate.perMinute = v as number })
  return rate
}

/** leader.yaml lines for both sections, commented */
export function renderLimits (requests: RequestLimits, joinProofs: JoinProofLimits): string[] {
  const rate = (r: Rate): string => `{ burst: ${r.burst}, perMinute: ${r.perMinute} }`
  return [
    '# token requests waiting for the operator (policy manual), bounded per source address (an IPv4',
    '# address, an IPv6 /64) and per time, so that one address cannot fill the queue',
    'requests:',
    '  # most undecided requests from one address; more are refused with RATE_LIMITED',
    `  maxPendingPerAddress: ${requests.maxPendingPerAddress}`,
    '  # new requests one address may queue: a burst, then so many per minute (RATE_LIMITED beyond)',
    `  addressRate: ${rate(requests.addressRate)}`,
    '  # new requests all addresses together may queue (BUSY beyond)',
    `  globalRate: ${rate(requests.globalRate)}`,
    '  # an undecided request is dropped after this many seconds',
    `  expireSeconds: ${requests.expireSeconds}`,
    '  # a token request whose node stopped asking about it (stopped, killed, gone) is cancelled after',
    '  # this many seconds (for requests kept across a restart: counted from the leader\'s start); at least 2',
    `  graceSeconds: ${requests.graceSeconds}`,
    '',
    '# what a wrong join-secret proof costs the address it came from',
    'joinProofs:',
    '  # the next proof from that address is refused unchecked for this many seconds, doubling per wrong proof',
    `  backoffSeconds: ${joinProofs.backoffSeconds}`,
    '  # after this many wrong proofs the address and the peers that sent them are banned',
    `  banAfter: ${joinProofs.banAfter}`,
    '  # for this many seconds',
    `  banSeconds: ${joinProofs.banSeconds}`
  ]
}
