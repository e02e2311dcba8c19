/**
 * /realmesh/subject/1 among members: REGISTER, WITHDRAW and MATCH, one request and one response per
 * stream. The handler verifies before it acts (see Subjects); every refusal is answered with its
 * code and reported for scoring.
 */
import { Frames, FRAME_LIMITS, PROTOCOLS, TIMEOUTS, SubjectRequest, SubjectResponse, checkSubjectRequest, RealmeshError, RemoteError, WireErrorCode } from '@realmesh/wire'
import { TokenError } from '@realmesh/token'
import { withTimeout } from '../util/signals.js'
import { offenceOf } from '../security/guard.js'
import type { Offence } from '../security/offences.js'
import type { Connection, Stream, AbortOptions } from '@libp2p/interface'

export interface SubjectHandlers {
  /** acts on a schema-checked request; throws a coded error to refuse it */
  onRequest: (request: SubjectRequest, from: Connection) => Promise<void>
  /** a request was refused with `code` (malformed, forged, ...): for scoring */
  onRefused: (from: Connection, code: string, err: unknown) => void
}

export class SubjectProtocol {
  private readonly handlers: SubjectHandlers

  constructor (handlers: SubjectHandlers) {
    this.handlers = handlers
  }

  /** the stream handler (registered behind the membership gate) */
  readonly handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(TIMEOUTS.subject)
    const frames = new Frames(stream, { protocol: PROTOCOLS.subject, maxSize: FRAME_LIMITS.subject })
    let response: SubjectResponse = {}
    try {
      const request = await frames.read(SubjectRequest, { signal })
      checkSubjectRequest(request)
      await this.handlers.onRequest(request, connection)
    } catch (err) {
      const code = codeOf(err)
      this.handlers.onRefused(connection, code, err)
      response = { error: { code, reason: (err as Error).message.slice(0, 256) } }
    }
    await frames.write(SubjectResponse, response, { signal }).catch(() => {})
    await stream.close({ signal }).catch(() => {})
  }

  /** Sends `request` on a stream from `open`; throws RemoteError with the remote's code when refused. */
  async send (open: (options: AbortOptions) => Promise<Stream>, request: Partial<SubjectRequest> & Pick<SubjectRequest, 'type' | 'key' | 'interestToken'>, options: AbortOptions = {}): Promise<void> {
    const signal = withTimeout(options, TIMEOUTS.subject)
    const stream = await open({ signal })
    try {
      const frames = new Frames(stream, { protocol: PROTOCOLS.subject, maxSize: FRAME_LIMITS.subject })
      await frames.write(SubjectRequest, { identityToken: '', ...request }, { signal })
      const response = await frames.read(SubjectResponse, { signal })
      await stream.close({ signal }).catch(() => {})
      if (response.error != null) throw new RemoteError(response.error.code, response.error.reason, `subject ${request.type} refused`)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
}

export function codeOf (err: unknown): string {
  if (err instanceof TokenError || err instanceof RealmeshError) return err.code
  return WireErrorCode.INTERNAL
}

/**
 * The offence a refusal of ours stands for: forged interests count as refused tokens; a record
 * whose node token merely expired on the way (a relayed registration) is stale, not forged.
 */
export function offenceFor (code: string, err?: unknown): Offence | undefined {
  if ((err as { tokenCode?: string } | undefined)?.tokenCode === 'TOKEN_EXPIRED') return undefined
  return code.startsWith('INTEREST_') ? 'TOKEN_REFUSED' : offenceOf(code)
}
