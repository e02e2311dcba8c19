/** How `realmesh subscribe` prints a message line of the daemon's stream on stdout. */
import { shortPeerId } from '../format.js'
import { printable } from './data-arg.js'
import type { Io } from '../io.js'

/** `--json`: the line without its type; else `...SHORTID TEXT` */
export function printMessage (io: Io, value: Record<string, unknown>, json: boolean): void {
  if (json) {
    const { type, ...message } = value
    void type
    io.out(JSON.stringify(message))
  } else {
    io.out(`${shortPeerId(String(value.from))} ${printable(value)}`)
  }
}
