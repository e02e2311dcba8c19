/**
 * libp2p's logger for a realmesh node: the real `@libp2p/logger` logger for every namespace that
 * DEBUG (or `enable()`) turns on, and a silent one that costs almost nothing for the rest.
 *
 * Why: libp2p makes a logger for every connection and every stream (yamux scopes each stream's
 * logger as `<direction>:<id>`). `@libp2p/logger` builds each from two `debug` instances and a
 * disabled trace logger, about 2.6 KiB of heap per logger whether or not anything is ever logged.
 * A member holds a long-lived keepalive stream to most of its members, so on a node with 40
 * members those loggers alone were some 0.2 MiB.
 *
 * What differs from `defaultLogger()`: whether a namespace logs is decided when its logger is made,
 * not at every call. DEBUG set before the node starts behaves exactly as before; `enable()` called
 * later reaches only loggers made after it (new connections and streams).
 */
import { logger as libp2pLogger, enabled } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

interface SilentLogger extends Logger {
  /** the namespace, to scope children from */
  readonly namespace: string
}

function noop (): void {}

/** newScope of a silent logger (shared by all of them: one function, not one per logger) */
function silentScope (this: SilentLogger, scope: string): Logger {
  return loggerFor(`${this.namespace}:${scope}`)
}

function silentLogger (namespace: string): SilentLogger {
  return Object.assign(function silent (): void {}, { enabled: false, error: noop, trace: noop, newScope: silentScope, namespace })
}

/** the logger for `namespace`: libp2p's own when it (or its errors) would log, a silent one otherwise */
export function loggerFor (namespace: string): Logger {
  if (enabled(namespace) || enabled(`${namespace}:error`) || enabled(`${namespace}:trace`)) return libp2pLogger(namespace)
  return silentLogger(namespace)
}

/** A ComponentLogger for libp2p (`createLibp2p({ logger })`): see the module comment. */
export function quietLogger (): ComponentLogger {
  return { forComponent: loggerFor }
}
