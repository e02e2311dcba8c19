/**
 * @realmesh/leader: the realm leader. Issues node tokens (by join secret, by the operator's
 * approval, or offline), decides identities members defer to it, keeps the revocation list, and
 * keeps its state in a leader directory.
 */
export { LeaderError, LeaderConfigError } from './errors.js'
export type { LeaderErrorCode, ConfigProblem } from './errors.js'

export {
  defaultLeaderConfig,
  defaultTokenPolicy,
  parseLeaderConfig,
  validateLeaderConfig,
  validateTokenPolicy,
  renderLeaderConfig,
  POLICY_MODES,
  DEFERRED_MODES,
  DEFAULT_TOKEN_TTL_SECONDS,
  DEFAULT_LEADER_LISTEN,
  DEFAULT_LEADER_API,
  DEFAULT_MAX_PENDING,
  MIN_JOIN_SECRET_CHARS,
  joinSecretWarning
} from './config.js'
export type { TokenPolicy, LeaderConfig } from './config.js'
export { defaultRequestLimits, defaultJoinProofLimits } from './config-limits.js'
export type { RequestLimits, JoinProofLimits, Rate } from './config-limits.js'
export type { AllowedAttributes } from './attributes.js'
export { sourceAddress } from './source-address.js'

export { LEADER_FILES } from './issuing.js'
export type { IssueHow, IssuedEntry, IssuedKind } from './issuing.js'

export { initLeader, loadLeaderDir, issueOffline, issueIdentityOffline, ensureLeaderToken } from './leader-dir.js'
export type { InitLeaderInit, InitLeaderResult, LeaderDir, IssueOfflineInit, IssueIdentityOfflineInit } from './leader-dir.js'

export { LeaderService } from './leader-service.js'
export type { LeaderServiceInit, LeaderServiceEvents, CancelReason } from './leader-service.js'
export type { PendingRequest } from './requests.js'

export { startLeader } from './start-leader.js'
export { DEFAULT_EPOCH_SECONDS, EPOCH_OVERLAP_FRACTION } from './epochs.js'
export { revokeOffline, readRevocations, revocationTargets } from './revoke.js'
export type { TargetsInit } from './revoke.js'
export { replaceOffline } from './replace.js'
export type { ReplaceOfflineInit, ReplaceResult } from './replace.js'
export { RevocationBook } from './revocation.js'
export type { RevokedPeer, RevocationTarget } from './revocation.js'
export type { StartLeaderInit, RunningLeader, ListenOutcome } from './start-leader.js'
export { invitationUri, DEFAULT_INVITATION_TTL_SECONDS } from './invite.js'
export type { Invitation, InvitationJson, InviteOptions } from './invite.js'
export { InvitationBook, MAX_INVITATION_USES, MAX_INVITATION_TTL_SECONDS, ENDED_KEPT_MS } from './invitations.js'
export type { InvitationRecord, InvitationSummary, InvitationState } from './invitations.js'
export { defaultSubjectPolicy, decideSubject, subjectMatches, MAX_SUBJECT_RULES } from './subject-policy.js'
export type { SubjectPolicy, SubjectRule, SubjectQuestion, SubjectDecision } from './subject-policy.js'
