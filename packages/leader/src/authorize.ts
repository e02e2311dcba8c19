/**
 * AUTHORIZE on /realmesh/leader/1: a member that defers admitting a counterpart on a subject to
 * the leader asks whether that identity may send or receive there. Members only (NOT_A_MEMBER);
 * the counterpart's token is verified here as at a join (its own code when it fails: TOKEN_*);
 * the subject policy (subject-policy.ts) answers APPROVED or DENIED with its code, and every answer
 * says how long the member may keep it (valid_for_ms).
 */
import { LeaderResponse, WireErrorCode } from '@realmesh/wire'
import { TokenError } from '@realmesh/token'
import { denied } from './protocol.js'
import { verifyIdentity } from './answers.js'
import { decideSubject } from './subject-policy.js'
import type { Connection } from '@libp2p/interface'
import type { LeaderRequest } from '@realmesh/wire'
import type { Answer } from './protocol.js'
import type { AnswerComponents } from './answers.js'
import type { SubjectPolicy } from './subject-policy.js'

export interface AuthorizeComponents extends Pick<AnswerComponents, 'realm' | 'now' | 'isRevoked' | 'isMember'> {
  subjects: Readonly<SubjectPolicy>
  /** a decision was made (for the operator's view and the accounting of refusals) */
  decided: (detail: { member: string, subject: string, identity: string, send: boolean, receive: boolean, code?: string }) => void
}

export async function answerAuthorize (c: AuthorizeComponents, request: LeaderRequest, connection: Connection): Promise<Answer> {
  if (!c.isMember(connection)) return denied(WireErrorCode.NOT_A_MEMBER, 'only members of the realm may ask its leader about subjects')
  let claims
  try {
    claims = await verifyIdentity(c, request.identityToken)
  } catch (err) {
    if (err instanceof TokenError) return denied(err.code, err.message)
    throw err
  }
  const question = { subject: request.subject, identity: claims.sub, attrs: { ...claims.ext?.attrs }, send: request.send, receive: request.receive }
  const decision = decideSubject(c.subjects, question)
  const validForMs = c.subjects.decisionTtlSeconds * 1000
  c.decided({ member: connection.remotePeer.toString(), subject: question.subject, identity: question.identity, send: question.send, receive: question.receive, ...(decision.allowed ? {} : { code: decision.code }) })
  if (decision.allowed) return { response: { status: LeaderResponse.Status.APPROVED, validForMs } }
  const answer = denied(decision.code, decision.reason)
  answer.response.validForMs = validForMs
  return answer
}
