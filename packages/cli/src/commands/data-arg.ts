/** The DATA argument of publish and send: the text itself, or `-` for all of stdin (any bytes). */
import { MAX_MESSAGE_BYTES } from '@realmesh/wire'
import { UsageError } from '../errors.js'
import type { Io } from '../io.js'
import type { Payload } from '../api/payload.js'

export async function readData (arg: string | undefined, io: Io, verb: string): Promise<Payload> {
  if (arg == null) throw new UsageError(`realmesh ${verb}: DATA is missing (the text to send, or - to read stdin)`)
  if (arg !== '-') return { data: arg }
  if (io.readStdin == null) throw new UsageError('this environment has no stdin to read')
  // one byte over the largest message: the daemon then says MESSAGE_TOO_LARGE itself
  const bytes = await io.readStdin(MAX_MESSAGE_BYTES + 1)
  return { dataBase64: Buffer.from(bytes).toString('base64') }
}

/** a payload from the API as text for a terminal: the text, or `base64:...` */
export function printable (value: { data?: unknown, dataBase64?: unknown }): string {
  if (typeof value.data === 'string') return value.data
  return typeof value.dataBase64 === 'string' ? `base64:${value.dataBase64}` : ''
}
