import { RealmeshError } from '@realmesh/wire'

/**
 * A subject exchange was refused: an interest that does not verify (`INTEREST_*`, `TOKEN_*`,
 * `RECORD_INVALID`), a counterpart outside the audience or refused by `authorize` (`SUBJECT_*`), or
 * no coordinator reachable (`SUBJECT_REGISTER_FAILED`).
 */
export class SubjectError extends RealmeshError {
  static override name = 'SubjectError'
}
