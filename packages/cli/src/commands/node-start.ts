/**
 * `realmesh node start`: flags, then the config file, then the defaults, into the node daemon's
 * options.
 */
import { resolve } from 'node:path'
import { parseFlags, required } from '../args.js'
import { ConfigError, UsageError } from '../errors.js'
import { loadConfigFile } from '../config/yaml-file.js'
import { NODE_DEFAULTS, checkNodeConfig, mdnsOf } from '../config/node-config.js'
import { list, multiaddrString } from '../config/schema.js'
import { sleepSchedule } from '../config/sleep-schedule.js'
import { checkApiAddress } from '../daemon/daemon-api.js'
import { runNodeDaemon } from '../daemon/node-daemon.js'
import type { NodeConfig } from '../config/node-config.js'
import { DAEMON_FLAGS, daemonSettings } from '../config/daemon-settings.js'
import type { DaemonSettings } from '../config/daemon-settings.js'
import type { Check } from '../config/schema.js'
import type { Io } from '../io.js'
import type { SleepInit } from '@realmesh/node'

export interface NodeStartOptions {
  dir: string
  /** --realm: a realm.json to (re)copy into the data dir */
  realmFile?: string
  /** --token: a token file to (re)copy into the data dir */
  tokenFile?: string
  /** --identity: a dir holding the identity key to (re)copy into the data dir */
  identityDir?: string
  /** --identity-token: the identity token file to (re)copy into the data dir */
  identityTokenFile?: string
  joinSecret?: string
  /** --invitation: a realmesh:// invitation URI (or its JSON form) to join with, once */
  invitation?: string
  /** extra bootstrap addresses, tried with realm.json's and peers.json's */
  bootstrap: string[]
  listen: string[]
  api: string
  /** --sleep-schedule / --wake-on-data, or the config's `sleep` */
  sleep?: SleepInit
  /** --mdns, or the config's `discovery` */
  mdns?: { intervalMs?: number }
  config: NodeConfig
  /** metrics and log settings (flags over the config) */
  daemon: DaemonSettings
}

export async function nodeStart (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    realm: { type: 'string' },
    token: { type: 'string' },
    identity: { type: 'string' },
    'identity-token': { type: 'string' },
    'join-secret': { type: 'string' },
    invitation: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    listen: { type: 'string', multiple: true },
    api: { type: 'string' },
    config: { type: 'string' },
    'sleep-schedule': { type: 'string' },
    'wake-on-data': { type: 'boolean' },
    mdns: { type: 'boolean' },
    ...DAEMON_FLAGS
  })
  if ([values.token, values['join-secret'], values.invitation].filter(v => v != null).length > 1) throw new UsageError('give one of --token, --join-secret and --invitation')
  const config = values.config == null ? {} : await loadConfigFile(values.config, checkNodeConfig)
  const api = values.api ?? config.api ?? NODE_DEFAULTS.api
  checkApiAddress(api)
  const envSecret = io.env.REALMESH_JOIN_SECRET
  const options: NodeStartOptions = {
    dir: resolve(required(values.dir, '--dir')),
    realmFile: values.realm,
    tokenFile: values.token,
    identityDir: values.identity,
    identityTokenFile: values['identity-token'],
    joinSecret: values.invitation != null ? undefined : values['join-secret'] ?? config.joinSecret ?? (envSecret === '' ? undefined : envSecret),
    invitation: values.invitation,
    bootstrap: checkFlag(values.bootstrap, '--bootstrap', list(multiaddrString({ peer: true }), { max: 32 })) ?? config.bootstrap ?? NODE_DEFAULTS.bootstrap,
    listen: checkFlag(values.listen, '--listen', list(multiaddrString(), { max: 32 })) ?? config.listen ?? NODE_DEFAULTS.listen,
    api,
    sleep: sleepOf(checkFlag(values['sleep-schedule'], '--sleep-schedule', sleepSchedule) ?? config.sleep?.schedule, values['wake-on-data'] ?? config.sleep?.wakeOnData),
    mdns: mdnsOf(config.discovery, values.mdns),
    config,
    daemon: daemonSettings(values, config)
  }
  return runNodeDaemon(options, io)
}

/** the node's sleep: a schedule, and whether it also wakes to send (which needs a schedule) */
function sleepOf (schedule: SleepInit | undefined, wakeOnData: boolean | undefined): SleepInit | undefined {
  if (schedule == null) {
    if (wakeOnData === true) throw new UsageError('--wake-on-data (sleep.wakeOnData) needs a wake schedule: --sleep-schedule AWAKE/PERIOD or sleep.schedule in the config')
    return undefined
  }
  return { ...schedule, wakeOnData: wakeOnData === true }
}

/** a flag's value through a config check, its error reported against the flag */
export function checkFlag<T> (value: unknown, flag: string, check: Check<T>): T | undefined {
  if (value == null) return undefined
  try {
    return check(value, flag)
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.path.replace(/\[\d+\]$/, '')}: expected ${err.expected}, got ${err.got}`)
    throw err
  }
}
