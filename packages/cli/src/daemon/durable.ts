/** The node daemon's durable subscriptions: node.yaml's `durable` section, and their log lines. */
import type { DurableInit, RealmNode } from '@realmesh/node'
import type { NodeConfig } from '../config/node-config.js'
import type { Logger } from '../log/logger.js'

/** node.yaml's `durable` (checked by the schema) as the node's init */
export function durableInit (config: NodeConfig['durable'] = {}): DurableInit {
  const { maxSubscriptions, ...defaults } = config
  return { defaults, maxSubscriptions }
}

/** `durable subscription NAME (SUBJECT) registered`, and why one in the store could not start; returns the unlisten */
export function logDurable (node: RealmNode, log: Logger): () => void {
  const onRegistered = (evt: CustomEvent<{ name: string, subject: string }>): void => {
    const { name, subject } = evt.detail
    log.info('durable.registered', `durable subscription ${name} (${subject}) registered: receiving`, { name, subject })
  }
  const onFailed = (evt: CustomEvent<{ name: string, code: string, message: string }>): void => {
    const { name, code, message } = evt.detail
    log.error('durable.failed', `durable subscription ${name} could not be started (${code}): ${message}`, { name, code })
  }
  node.addEventListener('durable:registered', onRegistered)
  node.addEventListener('durable:failed', onFailed)
  return () => {
    node.removeEventListener('durable:registered', onRegistered)
    node.removeEventListener('durable:failed', onFailed)
  }
}
