/** `realmesh leader start`: flags into the leader daemon's options. */
import { resolve } from 'node:path'
import { parseFlags, required } from '../args.js'
import { loadConfigFile } from '../config/yaml-file.js'
import { checkNodeConfig, mdnsOf, natInit } from '../config/node-config.js'
import { list, multiaddrString } from '../config/schema.js'
import { checkApiAddress } from '../daemon/daemon-api.js'
import { runLeaderDaemon } from '../daemon/leader-daemon.js'
import { checkFlag } from './node-start.js'
import { DAEMON_FLAGS, daemonSettings } from '../config/daemon-settings.js'
import type { Io } from '../io.js'

export async function leaderStart (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    listen: { type: 'string', multiple: true },
    api: { type: 'string' },
    'node-config': { type: 'string' },
    ...DAEMON_FLAGS
  })
  const dir = resolve(required(values.dir, '--dir'))
  const listen = checkFlag(values.listen, '--listen', list(multiaddrString(), { max: 32 }))
  if (values.api != null) checkApiAddress(values.api)
  const nodeConfig = values['node-config'] == null ? undefined : await loadConfigFile(values['node-config'], checkNodeConfig)
  // listen, bootstrap, api, joinSecret, metrics and log are a node daemon's: the leader has its own (leader.yaml, flags)
  const node = nodeConfig == null ? { nat: natInit(undefined) } : { dht: nodeConfig.dht, handshake: nodeConfig.handshake, join: nodeConfig.join, keepalive: nodeConfig.keepalive, abuse: nodeConfig.abuse, redial: nodeConfig.redial, tokenSkewSeconds: nodeConfig.tokenSkewSeconds, nat: natInit(nodeConfig.nat), mdns: mdnsOf(nodeConfig.discovery) }
  // bad flags are refused before anything starts; leader.yaml's metrics and log sections are read by the daemon
  daemonSettings(values)
  return runLeaderDaemon({ dir, listen, api: values.api, connections: nodeConfig?.connections, node, flags: values }, io)
}
