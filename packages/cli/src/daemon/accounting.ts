/**
 * What a daemon writes to its accounting log (accounting-log.ts): every `account` event of its
 * node (kind `message`: direction in / out, subject, the counterpart's identity and node, bytes,
 * messages, id) and, on the leader, every subject decision it made for a member (kind `authorize`:
 * the member, the identity, the subject, send / receive, and the refusal's code).
 */
import { join } from 'node:path'
import { ACCOUNTING_FILE, AccountingLog } from './accounting-log.js'
import type { AccountingLogInit } from './accounting-log.js'
import type { LeaderService } from '@realmesh/leader'
import type { AccountRecord, RealmNode } from '@realmesh/node'
import type { Logger } from '../log/logger.js'

export interface AccountingSettings extends Omit<AccountingLogInit, 'dir'> {
  /** @default true */
  enabled?: boolean
}

/** Writes the node's (and the leader service's) exchanges to DIR/accounting.log; `stop()` detaches and flushes. */
export function keepAccounting (dir: string, node: RealmNode, service: LeaderService | undefined, settings: AccountingSettings, log: Logger): { stop: () => Promise<void> } {
  if (settings.enabled === false) return { stop: async () => {} }
  const path = join(dir, ACCOUNTING_FILE)
  const accounting = new AccountingLog({ ...settings, dir }, (err) => { log.error('accounting.write-failed', `could not write ${path}: ${(err as Error).message}`, { error: (err as Error).message }) })
  const onAccount = (evt: CustomEvent<AccountRecord>): void => { accounting.append({ kind: 'message', ...evt.detail }) }
  const onDecided = (evt: CustomEvent<{ member: string, subject: string, identity: string, send: boolean, receive: boolean, code?: string }>): void => {
    accounting.append({ kind: 'authorize', at: Date.now(), ...evt.detail })
  }
  node.addEventListener('account', onAccount)
  service?.addEventListener('subject:decided', onDecided)
  return {
    stop: async () => {
      node.removeEventListener('account', onAccount)
      service?.removeEventListener('subject:decided', onDecided)
      await accounting.flush().catch(() => {})
      if (accounting.dropped > 0) log.warn('accounting.dropped', `accounting: ${accounting.dropped} records dropped (the disk did not keep up)`, { dropped: accounting.dropped })
    }
  }
}
