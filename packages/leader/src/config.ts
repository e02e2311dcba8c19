/**
 * The leader's config (DIR/leader.yaml): the token policy, listen addresses, the control API
 * address and the bound on requests waiting for the operator. Validated by hand: every bad value
 * is reported with its path and what was expected (LeaderConfigError), and unknown keys are
 * refused, so that a typo (`polcy:`, `mdoe:`) cannot silently leave a default in force.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { parseDocument } from 'yaml'
import { checkAllowedAttributes, renderAllowedAttributes } from './attributes.js'
import { checkJoinProofLimits, checkRequestLimits, defaultJoinProofLimits, defaultRequestLimits, renderLimits } from './config-limits.js'
import { describe, isRecord, isWholeNumber, unknownKeys } from './config-values.js'
import { checkDaemonSections } from './config-daemon.js'
import type { DaemonSections } from './config-daemon.js'
import { LeaderConfigError } from './errors.js'
import { DEFAULT_EPOCH_SECONDS } from './epochs.js'
import { checkSubjectPolicy, defaultSubjectPolicy, renderSubjectPolicy } from './subject-policy.js'
import type { SubjectPolicy } from './subject-policy.js'
import type { AllowedAttributes } from './attributes.js'
import type { JoinProofLimits, RequestLimits } from './config-limits.js'
import type { ConfigProblem } from './errors.js'
import type { RealmDescriptor } from '@realmesh/token'

export interface TokenPolicy {
  /**
   * How node-token requests are answered: 'auto' = issued to requests with a valid join secret
   * proof (a wrong or missing proof is DENIED JOIN_SECRET_INVALID); 'manual' = queued for the
   * operator (approve / deny); 'deny' = refused (TOKEN_REQUEST_DENIED).
   * @default 'manual'
   */
  mode: 'auto' | 'manual' | 'deny'
  /**
   * The realm's join secret (the pre-shared cluster key of seed 000; nodes HMAC it, it never
   * crosses the wire). Required in mode 'auto'. In mode 'manual' a request with a valid proof is
   * still issued at once when this is set.
   * @default undefined
   */
  joinSecret?: string
  /** Lifetime of issued node tokens, in seconds (a node may ask for less, never for more). @default 86400 */
  ttlSeconds: number
  /**
   * Whether tokens issued by this policy (join secret, the operator's approval) may be renewed by
   * their node, and for how long in all: a renewal never reaches past `maxLifetimeSeconds` after
   * the grant. After that (or with `renewable: false`) the node needs a new grant.
   * @default true, 31536000 (a year)
   */
  renewable?: boolean
  maxLifetimeSeconds?: number
  /** How DEFER requests from members are decided: 'approve' | 'manual' | 'deny'. @default 'manual' */
  deferred: 'approve' | 'manual' | 'deny'
  /**
   * The attributes a node that proves the join secret may have in its token (a token issued
   * without the operator): a list of names (any value), or per name the allowed values or "*".
   * A request asking for others is DENIED ATTRIBUTES_NOT_ALLOWED. Requests the operator approves
   * get what they asked for (the operator sees it in `pending`). @default none
   */
  allowedAttributes?: AllowedAttributes
}

export interface LeaderConfig extends DaemonSections {
  realm: {
    /** the realm's human name; must be the name in realm.json */
    name: string
  }
  policy: TokenPolicy
  /** libp2p listen addresses of the leader. @default ['/ip4/127.0.0.1/tcp/0'] */
  listen: string[]
  /** host:port of the local control API (served by the CLI). @default '127.0.0.1:0' */
  api?: string
  /** most requests (token and deferred) waiting for the operator at once. @default 1000 */
  maxPending: number
  /** bounds on token requests per source address and per time, their expiry and grace (config-limits.ts) */
  requests: RequestLimits
  /** what wrong join proofs cost an address (config-limits.ts) */
  joinProofs: JoinProofLimits
  /**
   * seconds between epochs: a new salt for where subjects are coordinated, published when its
   * epoch starts; a member coordinates subjects in an epoch only when its grant is older. 0: no
   * epochs (subject positions stay the subject keys, which a member can grind node keys next to).
   * @default 3600
   */
  epochSeconds: number
  /** who may send and receive on which subjects, for members that defer to the leader (subject-policy.ts). @default every identity, everywhere */
  subjects: SubjectPolicy
}

export const POLICY_MODES = ['auto', 'manual', 'deny'] as const
export const DEFERRED_MODES = ['approve', 'manual', 'deny'] as const
export const DEFAULT_TOKEN_TTL_SECONDS = 86_400
/** how long a grant issued by policy may be renewed, in all (a year) */
export const DEFAULT_MAX_LIFETIME_SECONDS = 365 * 86_400
export const DEFAULT_LEADER_LISTEN: readonly string[] = Object.freeze(['/ip4/127.0.0.1/tcp/0'])
export const DEFAULT_LEADER_API = '127.0.0.1:0'
export const DEFAULT_MAX_PENDING = 1000
/** an upper bound on maxPending: each pending request costs a little memory and a line in pending.json */
export const MAX_MAX_PENDING = 1_000_000
/** the wire's ttl_seconds is a uint32; a token lifetime beyond it could not even be asked for */
const MAX_TTL_SECONDS = 0xffff_ffff
const MAX_LISTEN = 32

const NAME = /^[A-Za-z0-9._-]{1,64}$/
const NAME_EXPECTED = '1 to 64 characters of A-Z a-z 0-9 . _ -'
const API = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/
const API_EXPECTED = 'host:port for the control API, e.g. "127.0.0.1:7300" or "[::1]:7300" (port 0 picks a free port)'

/** a join secret shorter than this can be guessed online, even with wrong proofs costing a backoff */
export const MIN_JOIN_SECRET_CHARS = 16

const TOP_KEYS = ['realm', 'policy', 'listen', 'api', 'maxPending', 'requests', 'joinProofs', 'epochSeconds', 'subjects', 'metrics', 'log']
/** at most a year between epochs */
const MAX_EPOCH_SECONDS = 365 * 86_400
const REALM_KEYS = ['name']
const POLICY_KEYS = ['mode', 'joinSecret', 'ttlSeconds', 'renewable', 'maxLifetimeSeconds', 'deferred', 'allowedAttributes']

/** The config initLeader writes: manual approval of token requests and deferrals, loopback only. */
export function defaultLeaderConfig (name: string): LeaderConfig {
  return {
    realm: { name },
    policy: defaultTokenPolicy(),
    listen: [...DEFAULT_LEADER_LISTEN],
    api: DEFAULT_LEADER_API,
    maxPending: DEFAULT_MAX_PENDING,
    requests: defaultRequestLimits(),
    joinProofs: defaultJoinProofLimits(),
    epochSeconds: DEFAULT_EPOCH_SECONDS,
    subjects: defaultSubjectPolicy()
  }
}

export function defaultTokenPolicy (): TokenPolicy {
  return { mode: 'manual', ttlSeconds: DEFAULT_TOKEN_TTL_SECONDS, renewable: true, maxLifetimeSeconds: DEFAULT_MAX_LIFETIME_SECONDS, deferred: 'manual' }
}

/** A warning for a join secret short enough to guess online (undefined: none). Never quotes the secret. */
export function joinSecretWarning (secret: string | undefined): string | undefined {
  if (secret === undefined || secret.length >= MIN_JOIN_SECRET_CHARS) return undefined
  return `the join secret is ${secret.length} character${secret.length === 1 ? '' : 's'}: short enough to guess online from enough addresses (each gets a few guesses, then a ban); use at least ${MIN_JOIN_SECRET_CHARS} random characters (leader init with policy auto and no secret generates one)`
}

/**
 * Parses and validates leader.yaml. Missing optional values take their defaults; every bad value
 * is collected and thrown together as one LeaderConfigError (code CONFIG_INVALID).
 */
export function parseLeaderConfig (yamlText: string): LeaderConfig {
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new LeaderConfigError(doc.errors.map(e => ({ path: '', expected: 'valid YAML', got: e.message.split('\n')[0] ?? e.message })), 'leader.yaml')
  }
  let value: unknown
  try {
    // a document of aliases of aliases must not expand into gigabytes
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new LeaderConfigError([{ path: '', expected: 'YAML without excessive aliases', got: err instanceof Error ? err.message : String(err) }], 'leader.yaml')
  }
  return validateLeaderConfig(value, 'leader.yaml')
}

/** Validates a LeaderConfig-shaped value (parsed YAML or an object built in code). */
export function validateLeaderConfig (value: unknown, source = 'leader config'): LeaderConfig {
  const problems: ConfigProblem[] = []
  const config = checkConfig(value, problems)
  if (config === undefined || problems.length > 0) {
    throw new LeaderConfigError(problems, source)
  }
  return config
}

/**
 * Validates a token policy, filling defaults for missing fields; `path` prefixes the problem
 * paths (`policy` in leader.yaml). With a realm, ttlSeconds must be within its maxTokenTtlSeconds.
 */
export function validateTokenPolicy (value: unknown, realm?: RealmDescriptor, path = 'policy'): TokenPolicy {
  const problems: ConfigProblem[] = []
  const policy = checkPolicy(value, path, problems)
  if (realm !== undefined) checkPolicyAgainstRealm(policy, realm, path, problems)
  if (problems.length > 0) throw new LeaderConfigError(problems, 'token policy')
  return policy
}

/** The problems of a policy that only show against the realm it serves (its token lifetime cap). */
export function checkPolicyAgainstRealm (policy: TokenPolicy, realm: RealmDescriptor, path: string, problems: ConfigProblem[]): void {
  if (policy.ttlSeconds > realm.policy.maxTokenTtlSeconds) {
    problems.push({
      path: `${path}.ttlSeconds`,
      expected: `at most ${realm.policy.maxTokenTtlSeconds} (the realm's policy.maxTokenTtlSeconds in realm.json; members refuse longer-lived tokens)`,
      got: String(policy.ttlSeconds)
    })
  }
}

function checkConfig (value: unknown, problems: ConfigProblem[]): LeaderConfig | undefined {
  if (!isRecord(value)) {
    problems.push({ path: '', expected: 'a mapping with realm, policy, listen, api, maxPending, requests, joinProofs, epochSeconds, subjects, metrics and log', got: describe(value) })
    return undefined
  }
  unknownKeys(value, TOP_KEYS, '', problems)

  let name = ''
  if (!isRecord(value.realm)) {
    problems.push({ path: 'realm', expected: 'a mapping with the realm name, e.g. `realm: { name: my-realm }`', got: describe(value.realm) })
  } else {
    unknownKeys(value.realm, REALM_KEYS, 'realm', problems)
    if (typeof value.realm.name !== 'string' || !NAME.test(value.realm.name)) {
      problems.push({ path: 'realm.name', expected: NAME_EXPECTED, got: describe(value.realm.name) })
    } else {
      name = value.realm.name
    }
  }

  const policy = checkPolicy(value.policy, 'policy', problems)

  let listen = [...DEFAULT_LEADER_LISTEN]
  if (value.listen !== undefined) {
    if (!Array.isArray(value.listen) || value.listen.length === 0 || value.listen.length > MAX_LISTEN) {
      problems.push({ path: 'listen', expected: `a list of 1 to ${MAX_LISTEN} multiaddr strings, e.g. ["/ip4/0.0.0.0/tcp/4001"]`, got: describe(value.listen) })
    } else {
      listen = []
      value.listen.forEach((address: unknown, i) => {
        const problem = listenProblem(address)
        if (problem !== undefined) {
          problems.push({ path: `listen[${i}]`, expected: 'a multiaddr string to listen on, without /p2p/, e.g. "/ip4/0.0.0.0/tcp/4001"', got: problem })
        } else {
          listen.push(address as string)
        }
      })
    }
  }

  let api = DEFAULT_LEADER_API
  if (value.api !== undefined) {
    if (typeof value.api !== 'string' || !apiValid(value.api)) {
      problems.push({ path: 'api', expected: API_EXPECTED, got: describe(value.api) })
    } else {
      api = value.api
    }
  }

  let maxPending = DEFAULT_MAX_PENDING
  if (value.maxPending !== undefined) {
    if (!isWholeNumber(value.maxPending) || value.maxPending < 1 || value.maxPending > MAX_MAX_PENDING) {
      problems.push({ path: 'maxPending', expected: `a whole number from 1 to ${MAX_MAX_PENDING}`, got: describe(value.maxPending) })
    } else {
      maxPending = value.maxPending
    }
  }

  let epochSeconds = DEFAULT_EPOCH_SECONDS
  if (value.epochSeconds !== undefined) {
    if (!isWholeNumber(value.epochSeconds) || value.epochSeconds < 0 || value.epochSeconds > MAX_EPOCH_SECONDS) {
      problems.push({ path: 'epochSeconds', expected: `a whole number of seconds from 0 (no epochs) to ${MAX_EPOCH_SECONDS}, e.g. 3600`, got: describe(value.epochSeconds) })
    } else {
      epochSeconds = value.epochSeconds
    }
  }

  const requests = checkRequestLimits(value.requests, 'requests', problems)
  const joinProofs = checkJoinProofLimits(value.joinProofs, 'joinProofs', problems)
  const subjects = checkSubjectPolicy(value.subjects, 'subjects', problems)
  return { realm: { name }, policy, listen, api, maxPending, requests, joinProofs, epochSeconds, subjects, ...checkDaemonSections(value, problems) }
}

function checkPolicy (value: unknown, path: string, problems: ConfigProblem[]): TokenPolicy {
  const policy = defaultTokenPolicy()
  if (value === undefined || value === null) return policy
  if (!isRecord(value)) {
    problems.push({ path, expected: 'a mapping with mode, joinSecret, ttlSeconds, renewable, maxLifetimeSeconds, deferred and allowedAttributes', got: describe(value) })
    return policy
  }
  unknownKeys(value, POLICY_KEYS, path, problems)

  if (value.mode !== undefined) {
    if (typeof value.mode !== 'string' || !(POLICY_MODES as readonly string[]).includes(value.mode)) {
      problems.push({ path: `${path}.mode`, expected: 'one of auto, manual, deny', got: describe(value.mode) })
    } else {
      policy.mode = value.mode as TokenPolicy['mode']
    }
  }

  if (value.joinSecret !== undefined && value.joinSecret !== null) {
    if (typeof value.joinSecret !== 'string' || value.joinSecret.length === 0) {
      problems.push({ path: `${path}.joinSecret`, expected: 'a non-empty string (a long random one: it is the key that admits nodes)', got: describe(value.joinSecret, true) })
    } else {
      policy.joinSecret = value.joinSecret
    }
  } else if (policy.mode === 'auto') {
    problems.push({ path: `${path}.joinSecret`, expected: 'a non-empty string: mode auto issues tokens to nodes that prove this secret, and needs one', got: 'nothing' })
  }

  if (value.ttlSeconds !== undefined) {
    if (!isWholeNumber(value.ttlSeconds) || value.ttlSeconds < 1 || value.ttlSeconds > MAX_TTL_SECONDS) {
      problems.push({ path: `${path}.ttlSeconds`, expected: 'a whole number of seconds, at least 1 (e.g. 86400 for a day)', got: describe(value.ttlSeconds) })
    } else {
      policy.ttlSeconds = value.ttlSeconds
    }
  }

  if (value.renewable !== undefined) {
    if (typeof value.renewable !== 'boolean') problems.push({ path: `${path}.renewable`, expected: 'true or false', got: describe(value.renewable) })
    else policy.renewable = value.renewable
  }

  if (value.maxLifetimeSeconds !== undefined) {
    if (!isWholeNumber(value.maxLifetimeSeconds) || value.maxLifetimeSeconds < 1) {
      problems.push({ path: `${path}.maxLifetimeSeconds`, expected: 'a whole number of seconds, at least 1 (e.g. 2592000 for 30 days)', got: describe(value.maxLifetimeSeconds) })
    } else {
      policy.maxLifetimeSeconds = value.maxLifetimeSeconds
    }
  }

  if (value.deferred !== undefined) {
    if (typeof value.deferred !== 'string' || !(DEFERRED_MODES as readonly string[]).includes(value.deferred)) {
      problems.push({ path: `${path}.deferred`, expected: 'one of approve, manual, deny', got: describe(value.deferred) })
    } else {
      policy.deferred = value.deferred as TokenPolicy['deferred']
    }
  }

  const allowedAttributes = checkAllowedAttributes(value.allowedAttributes, `${path}.allowedAttributes`, problems)
  if (allowedAttributes !== undefined) policy.allowedAttributes = allowedAttributes
  return policy
}

/**
 * leader.yaml text for a config, with a comment on every setting (initLeader writes it). Strings
 * are written as JSON strings, which are valid YAML double-quoted scalars.
 */
export function renderLeaderConfig (config: LeaderConfig): string {
  const q = (text: string): string => JSON.stringify(text)
  const lines = [
    '# realmesh leader configuration. Validated on load: a bad value is reported with its path.',
    '',
    'realm:',
    '  # the realm\'s human name (the same as in realm.json)',
    `  name: ${q(config.realm.name)}`,
    '',
    'policy:',
    '  # how node-token requests are answered:',
    '  #   auto   - issued to nodes that prove the join secret; others are refused (JOIN_SECRET_INVALID)',
    '  #   manual - queued for the operator (`realmesh leader approve|deny ID`); with a joinSecret set,',
    '  #            a node that proves it is still issued a token at once',
    '  #   deny   - every request is refused (TOKEN_REQUEST_DENIED); tokens come from `realmesh token issue`',
    `  mode: ${config.policy.mode}`,
    '  # the realm\'s join secret: nodes prove it with an HMAC, it never crosses the wire. Required for auto.',
    config.policy.joinSecret === undefined ? '  # joinSecret: "a long random string"' : `  joinSecret: ${q(config.policy.joinSecret)}`,
    '  # lifetime of issued node tokens, in seconds (a node may ask for less)',
    `  ttlSeconds: ${config.policy.ttlSeconds}`,
    '  # whether nodes renew the tokens this policy issues, and for how long in all, in seconds: a',
    '  # renewal never reaches past maxLifetimeSeconds after the grant (then the node needs a new one)',
    `  renewable: ${String(config.policy.renewable !== false)}`,
    `  maxLifetimeSeconds: ${config.policy.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS}`,
    '  # attributes a node that proves the join secret may have in its token: [names] (any value), or',
    '  # { name: [allowed values] | "*" }; none by default (others: ATTRIBUTES_NOT_ALLOWED)',
    config.policy.allowedAttributes === undefined ? '  # allowedAttributes: { role: [user, sensor], hostname: "*" }' : `  allowedAttributes: ${renderAllowedAttributes(config.policy.allowedAttributes)}`,
    // a value last (not the commented example above): a YAML editor (saveListen) keeps the comments
    // after a section's last value with that section, indented
    '  # how identities that members defer to the leader are decided: approve | manual | deny',
    `  deferred: ${config.policy.deferred}`,
    '',
    '# libp2p addresses the leader listens on. A port 0 is replaced here by the port the first start',
    '# bound, and `leader start --listen` is saved here, so that a restart comes back at the address',
    '# members know; realm.json\'s bootstrap list is rewritten from the bound addresses at every start.',
    'listen:',
    ...config.listen.map(address => `  - ${q(address)}`),
    '',
    '# host:port of the local control API (keep it on loopback; port 0 picks a free port)',
    `api: ${q(config.api ?? DEFAULT_LEADER_API)}`,
    '',
    '# most requests waiting for the operator at once; more are refused with BUSY',
    `maxPending: ${config.maxPending}`,
    '',
    '# seconds between epochs: a new random salt for where subjects are coordinated, published when',
    '# its epoch starts; only members whose grant is older than an epoch coordinate subjects in it,',
    '# so nobody can pick a node key that lands next to a subject. 0 turns epochs off',
    `epochSeconds: ${config.epochSeconds}`,
    '',
    ...renderSubjectPolicy(config.subjects),
    '',
    '# GET /metrics (Prometheus text) on the control API (with its token), on by default; with listen,',
    '# also a listener that serves only metrics, without the token (leader start --metrics / --no-metrics)',
    config.metrics === undefined ? '# metrics: { enabled: true, listen: "127.0.0.1:9464" }' : `metrics: ${JSON.stringify(config.metrics)}`,
    '# the daemon\'s log lines: format text | json, level error | warn | info | debug (--log-format, --log-level)',
    config.log === undefined ? '# log: { format: text, level: info }' : `log: ${JSON.stringify(config.log)}`,
    '',
    ...renderLimits(config.requests, config.joinProofs),
    ''
  ]
  return lines.join('\n')
}

function listenProblem (address: unknown): string | undefined {
  if (typeof address !== 'string') return describe(address)
  let components
  try {
    components = multiaddr(address).getComponents()
  } catch (err) {
    return `${JSON.stringify(address)}, not a multiaddr (${err instanceof Error ? err.message : String(err)})`
  }
  if (components.length === 0) return `${JSON.stringify(address)}, an empty multiaddr`
  if (components.some(c => c.name === 'p2p')) return `${JSON.stringify(address)}, which has a /p2p/ part`
  return undefined
}

function apiValid (text: string): boolean {
  const match = API.exec(text)
  if (match === null) return false
  const port = Number(match[3])
  return port >= 0 && port <= 65535
}
