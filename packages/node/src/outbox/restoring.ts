/**
 * What an earlier run left in the outbox, per subject in publish order, until the node has joined
 * and each subject's publication takes its messages back (Messaging.restore). Bounded by the
 * outbox it came from; cleared when the node stops (the messages are still in the store).
 */
import type { Audience } from '@realmesh/token'
import type { LoadedMessage } from './outbox.js'

export class Restoring {
  private readonly bySubject = new Map<string, LoadedMessage[]>()

  get size (): number {
    return this.bySubject.size
  }

  add (messages: LoadedMessage[]): void {
    for (const loaded of messages) {
      const list = this.bySubject.get(loaded.message.subject)
      if (list == null) this.bySubject.set(loaded.message.subject, [loaded])
      else list.push(loaded)
    }
  }

  subjects (): string[] {
    return [...this.bySubject.keys()]
  }

  /** takes the subject's messages out (undefined when there are none) */
  take (subject: string): LoadedMessage[] | undefined {
    const list = this.bySubject.get(subject)
    this.bySubject.delete(subject)
    return list
  }

  /** what the subject is registered with again: the audience of its first message, the largest message any allowed */
  settingsOf (subject: string): { audience?: Audience, maxMessageBytes?: number } {
    const list = this.bySubject.get(subject) ?? []
    return { audience: list[0]?.message.audience, maxMessageBytes: list.length === 0 ? undefined : list.reduce((max, l) => Math.max(max, l.message.maxMessageBytes), 1) }
  }

  /** takes out the messages whose TTL ended by `now` */
  takeExpired (now: number): LoadedMessage[] {
    const expired: LoadedMessage[] = []
    for (const [subject, list] of this.bySubject) {
      const live = list.filter(l => l.message.expiresAt > now)
      if (live.length === list.length) continue
      expired.push(...list.filter(l => l.message.expiresAt <= now))
      if (live.length === 0) this.bySubject.delete(subject)
      else this.bySubject.set(subject, live)
    }
    return expired
  }

  clear (): void {
    this.bySubject.clear()
  }
}
