/**
 * The leader's subject policy (leader.yaml `subjects`): which identities may send or receive on
 * which subjects, for members that defer admitting a counterpart on a subject to the leader
 * (seed 001's MESSAGE.AUTHORIZE; /realmesh/leader/1 AUTHORIZE).
 *
 *   subjects:
 *     defaultDeny: false          # true: a direction no rule names for a subject is refused
 *     decisionTtlSeconds: 60      # how long a member may keep an answer
 *     rules:
 *       - subject: "orders.*"     # `*` is any run of characters; else the exact name
 *         send: ["12D3KooW...", "attr:team=red"]
 *         receive: ["*"]
 *
 * A request asks whether an identity may send, receive, or both on a subject. For each direction
 * asked: the rules whose pattern matches the subject and that name the direction decide (any of
 * their entries admitting the identity allows it; none: SUBJECT_DENIED_BY_LEADER); when no such
 * rule exists the default decides (allowed, or SUBJECT_NO_RULE when defaultDeny). An entry is a
 * peer id (the identity), `attr:NAME=VALUE` (its token attribute) or `*` (every identity).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { WireErrorCode } from '@realmesh/wire'
import { describe, isRecord, isWholeNumber, unknownKeys } from './config-values.js'
import type { ConfigProblem } from './errors.js'

export interface SubjectRule {
  /** the subject name, `*` matching any run of characters */
  subject: string
  /** who may send on the subjects it matches */
  send?: string[]
  /** who may receive on them */
  receive?: string[]
}

export interface SubjectPolicy {
  /** refuse a direction that no rule names for a subject. @default false */
  defaultDeny: boolean
  /** how long a member may keep the leader's answer, seconds (1..3600). @default 60 */
  decisionTtlSeconds: number
  rules: SubjectRule[]
}

export interface SubjectQuestion {
  subject: string
  identity: string
  attrs: Record<string, string>
  send: boolean
  receive: boolean
}

export type SubjectDecision = { allowed: true } | { allowed: false, code: string, reason: string }

export const MAX_SUBJECT_RULES = 256
const MAX_ENTRIES = 64
const MAX_DECISION_TTL_SECONDS = 3600
const KEYS = ['defaultDeny', 'decisionTtlSeconds', 'rules']
const RULE_KEYS = ['subject', 'send', 'receive']

export function defaultSubjectPolicy (): SubjectPolicy {
  return { defaultDeny: false, decisionTtlSeconds: 60, rules: [] }
}

/** `subjects` of leader.yaml, checked; every problem is pushed with its path */
export function checkSubjectPolicy (value: unknown, path: string, problems: ConfigProblem[]): SubjectPolicy {
  const policy = defaultSubjectPolicy()
  if (value === undefined || value === null) return policy
  if (!isRecord(value)) {
    problems.push({ path, expected: 'a mapping with defaultDeny, decisionTtlSeconds and rules', got: describe(value) })
    return policy
  }
  unknownKeys(value, KEYS, path, problems)
  if (value.defaultDeny !== undefined) {
    if (typeof value.defaultDeny !== 'boolean') problems.push({ path: `${path}.defaultDeny`, expected: 'true or false', got: describe(value.defaultDeny) })
    else policy.defaultDeny = value.defaultDeny
  }
  if (value.decisionTtlSeconds !== undefined) {
    if (!isWholeNumber(value.decisionTtlSeconds) || value.decisionTtlSeconds < 1 || value.decisionTtlSeconds > MAX_DECISION_TTL_SECONDS) {
      problems.push({ path: `${path}.decisionTtlSeconds`, expected: `a whole number of seconds from 1 to ${MAX_DECISION_TTL_SECONDS}`, got: describe(value.decisionTtlSeconds) })
    } else {
      policy.decisionTtlSeconds = value.decisionTtlSeconds
    }
  }
  if (value.rules !== undefined) {
    if (!Array.isArray(value.rules) || value.rules.length > MAX_SUBJECT_RULES) {
      problems.push({ path: `${path}.rules`, expected: `a list of at most ${MAX_SUBJECT_RULES} rules { subject, send?, receive? }`, got: describe(value.rules) })
    } else {
      value.rules.forEach((rule: unknown, i) => {
        const checked = checkRule(rule, `${path}.rules[${i}]`, problems)
        if (checked !== undefined) policy.rules.push(checked)
      })
    }
  }
  return policy
}

function checkRule (value: unknown, path: string, problems: ConfigProblem[]): SubjectRule | undefined {
  if (!isRecord(value)) {
    problems.push({ path, expected: 'a rule { subject, send?, receive? }', got: describe(value) })
    return undefined
  }
  unknownKeys(value, RULE_KEYS, path, problems)
  const before = problems.length
  if (typeof value.subject !== 'string' || value.subject === '' || Buffer.byteLength(value.subject) > 256) {
    problems.push({ path: `${path}.subject`, expected: 'a subject name or pattern (`*`: any run of characters), 1 to 256 bytes', got: describe(value.subject) })
  }
  if (value.send === undefined && value.receive === undefined) problems.push({ path, expected: 'send, receive or both', got: 'neither' })
  const rule: SubjectRule = { subject: value.subject as string }
  for (const direction of ['send', 'receive'] as const) {
    const entries = value[direction]
    if (entries === undefined) continue
    if (!Array.isArray(entries) || entries.length > MAX_ENTRIES) {
      problems.push({ path: `${path}.${direction}`, expected: `a list of at most ${MAX_ENTRIES} entries: an identity's peer id, attr:NAME=VALUE or "*"`, got: describe(entries) })
      continue
    }
    entries.forEach((entry: unknown, i) => {
      if (!entryValid(entry)) problems.push({ path: `${path}.${direction}[${i}]`, expected: 'an identity\'s peer id (12D3KooW...), attr:NAME=VALUE or "*"', got: describe(entry) })
    })
    rule[direction] = entries as string[]
  }
  return problems.length === before ? rule : undefined
}

function entryValid (entry: unknown): boolean {
  if (typeof entry !== 'string') return false
  if (entry === '*') return true
  if (entry.startsWith('attr:')) return entry.indexOf('=') > 'attr:'.length
  try {
    peerIdFromString(entry)
    return true
  } catch {
    return false
  }
}

/** whether `pattern` (`*`: any run of characters) matches the whole of `subject` */
export function subjectMatches (pattern: string, subject: string): boolean {
  const parts = pattern.split('*')
  if (parts.length === 1) return pattern === subject
  const first = parts[0] as string
  const last = parts[parts.length - 1] as string
  if (!subject.startsWith(first) || subject.length < first.length + last.length || !subject.endsWith(last)) return false
  let at = first.length
  const end = subject.length - last.length
  for (const middle of parts.slice(1, -1)) {
    const found = subject.indexOf(middle, at)
    if (found < 0 || found + middle.length > end) return false
    at = found + middle.length
  }
  return true
}

function admits (entry: string, identity: string, attrs: Record<string, string>): boolean {
  if (entry === '*' || entry === identity) return true
  if (!entry.startsWith('attr:')) return false
  const at = entry.indexOf('=')
  const name = entry.slice('attr:'.length, at)
  return Object.hasOwn(attrs, name) && attrs[name] === entry.slice(at + 1)
}

/** The policy's answer to a question (see the top of this file). */
export function decideSubject (policy: SubjectPolicy, q: SubjectQuestion): SubjectDecision {
  const rules = policy.rules.filter(rule => subjectMatches(rule.subject, q.subject))
  for (const direction of ['send', 'receive'] as const) {
    if (!q[direction]) continue
    const naming = rules.filter(rule => rule[direction] !== undefined)
    if (naming.length === 0) {
      if (policy.defaultDeny) return { allowed: false, code: WireErrorCode.SUBJECT_NO_RULE, reason: `no rule of the realm's subject policy lets anyone ${direction} on ${q.subject} (default deny)` }
      continue
    }
    if (!naming.some(rule => (rule[direction] ?? []).some(entry => admits(entry, q.identity, q.attrs)))) {
      return { allowed: false, code: WireErrorCode.SUBJECT_DENIED_BY_LEADER, reason: `the realm's subject policy does not let ${q.identity} ${direction} on ${q.subject}` }
    }
  }
  return { allowed: true }
}

/** leader.yaml lines for the policy (renderLeaderConfig) */
export function renderSubjectPolicy (policy: SubjectPolicy): string[] {
  return [
    '# who may send and receive on which subjects, for members that defer a counterpart on a subject',
    '# to the leader (node.yaml subjects.deferToLeader): rules { subject: "name or pattern with *",',
    '# send: [...], receive: [...] } of identity peer ids, attr:NAME=VALUE or "*"; a direction no rule',
    '# names for a subject is allowed, or refused with defaultDeny; members keep answers decisionTtlSeconds',
    'subjects:',
    `  defaultDeny: ${String(policy.defaultDeny)}`,
    `  decisionTtlSeconds: ${policy.decisionTtlSeconds}`,
    policy.rules.length === 0 ? '  rules: []' : `  rules: ${JSON.stringify(policy.rules)}`
  ]
}
