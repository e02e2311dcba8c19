/**
 * Errors thrown by @realmesh/leader. Each class has a stable `name` and a stable `code`; callers
 * (the CLI, tests) branch on those, never on the message, which is written for the operator: what
 * was wrong, where (file, config path, request id) and what would be right.
 */

export type LeaderErrorCode =
  /** initLeader: DIR/leader.key exists (pass `overwrite: true` to replace the realm) */
  | 'LEADER_DIR_EXISTS'
  /** the leader directory has no leader.key (run `realmesh leader init` first) */
  | 'LEADER_DIR_NOT_INITIALIZED'
  /** leader.key, realm.json and the running node do not belong to the same leader */
  | 'LEADER_KEY_MISMATCH'
  /** a state file (pending.json, revoked.json, node.token) is not what this package writes */
  | 'STATE_FILE_INVALID'
  /** approve/deny: no request with this id (never made, expired, or already collected) */
  | 'REQUEST_UNKNOWN'
  /** approve/deny: the request was already approved or denied */
  | 'REQUEST_ALREADY_DECIDED'
  /** a peer id that is not a canonical Ed25519 peer id */
  | 'PEER_INVALID'
  /** a token id (jti) that is not 1..128 characters */
  | 'JTI_INVALID'
  /** the service is not started (or was stopped) */
  | 'LEADER_NOT_STARTED'
  /** a revocation reason longer than 256 characters */
  | 'REASON_INVALID'
  /** the peer was revoked: the leader issues it no token, by policy, renewal or the operator */
  | 'PEER_REVOKED'
  /** replace: the issue log holds no node token of the old peer (it was never given one by this leader) */
  | 'PEER_UNKNOWN'
  /** replace: the old and the new peer are the same, or the old one is the leader itself */
  | 'REPLACE_INVALID'
  /** replace: the old node's grant (or its identity token) is over: there is nothing left to move */
  | 'GRANT_ENDED'
  /** replace: the old node's token was logged before attributes were, so they cannot be carried over */
  | 'GRANT_UNKNOWN'
  /** invite: a ttl, uses or attributes out of range */
  | 'INVITATION_INVALID'
  /** invite: as many live invitations as the leader keeps (cancel some, or wait for them to end) */
  | 'INVITATIONS_FULL'
  /** uninvite: no invitation with this id */
  | 'INVITATION_UNKNOWN'
  /** uninvite: the invitation was cancelled already */
  | 'INVITATION_CANCELLED'

export class LeaderError extends Error {
  static override name = 'LeaderError'
  readonly code: LeaderErrorCode

  constructor (code: LeaderErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'LeaderError'
    this.code = code
  }
}

/** One bad value of a leader config: where it is, what it should be, what it was. */
export interface ConfigProblem {
  /** dotted path of the value, e.g. `policy.mode`, `listen[1]`; '' for the whole document */
  path: string
  /** what a valid value looks like */
  expected: string
  /** what was found instead */
  got: string
}

/**
 * leader.yaml (or a LeaderConfig / TokenPolicy object) is invalid. `path` and `expected` are those
 * of the first problem; `problems` lists every bad value found.
 */
export class LeaderConfigError extends Error {
  static override name = 'LeaderConfigError'
  readonly code = 'CONFIG_INVALID' as const
  readonly path: string
  readonly expected: string
  readonly problems: ConfigProblem[]

  constructor (problems: ConfigProblem[], source = 'leader config') {
    const first = problems[0] ?? { path: '', expected: 'a valid config', got: 'an invalid one' }
    const lines = problems.map(p => `  ${p.path === '' ? '(document)' : p.path}: expected ${p.expected}; got ${p.got}`)
    super(`invalid ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`)
    this.name = 'LeaderConfigError'
    this.path = first.path
    this.expected = first.expected
    this.problems = problems
  }
}
