/**
 * The leader daemon: the realm leader's node and token service (startLeader), the control API
 * with the pending-request, revocation and replace endpoints, and a line on stderr for every
 * request, token and member.
 */
import { join } from 'node:path'
import { joinSecretWarning, loadLeaderDir, startLeader } from '@realmesh/leader'
import type { RunningLeader, StartLeaderInit } from '@realmesh/leader'
import { CliError, EXIT, messageOf } from '../errors.js'
import { readRealmFile } from '../data-dir/node-dir.js'
import { statusRoutes } from '../api/routes/status.js'
import { realmRoutes } from '../api/routes/realm.js'
import { pendingRoutes } from '../api/routes/pending.js'
import { revocationRoutes } from '../api/routes/revocations.js'
import { invitationRoutes } from '../api/routes/invitations.js'
import { replaceRoutes } from '../api/routes/replace.js'
import { subjectRoutes } from '../api/routes/subjects.js'
import { dashboardRoutes } from '../api/routes/dashboard.js'
import { Dashboard } from '../dashboard/dashboard.js'
import { DEFAULT_API_ADDRESS } from '../api/address.js'
import { assertDirFree, heartbeatFromEnv, startDaemonApi } from './daemon-api.js'
import { echoRequests, logMembers, logSleep, logSubjects } from './node-events.js'
import { logForwarding } from './forwarding.js'
import { logLeaderService } from './leader-events.js'
import { keepAccounting } from './accounting.js'
import { waitForAbort } from './wait.js'
import type { ConnectionLimits } from '@realmesh/node'
import type { DaemonApi } from './daemon-api.js'
import type { Io } from '../io.js'
import type { Logger } from '../log/logger.js'
import type { DaemonFlagValues } from '../config/daemon-settings.js'
import { daemonSettings } from '../config/daemon-settings.js'
import { daemonLogger } from './daemon-log.js'
import { daemonMetrics } from './daemon-metrics.js'
import { leaderMetrics } from './leader-metrics.js'
import { metricsRoutes } from '../api/routes/metrics.js'

export interface LeaderDaemonOptions {
  dir: string
  listen?: string[]
  api?: string
  connections?: ConnectionLimits
  /** the node config's other sections for the leader's own node (see startLeader) */
  node?: StartLeaderInit['node']
  /** --metrics, --no-metrics, --log-format, --log-level (over leader.yaml's metrics and log) */
  flags?: DaemonFlagValues
}

export async function runLeaderDaemon (options: LeaderDaemonOptions, io: Io): Promise<number> {
  const heartbeatMs = heartbeatFromEnv(io.env)
  const stop = io.stopSignal()
  const { dir } = options
  const realm = await readRealmFile(join(dir, 'realm.json'))
  if (realm == null) throw new CliError('LEADER_DIR_NOT_INITIALIZED', `${dir} has no realm.json: run realmesh leader init --name NAME --dir ${dir} first`)
  await assertDirFree(dir, realm.leader.peerId)
  const settings = daemonSettings(options.flags ?? {}, (await loadLeaderDir(dir)).config)
  const log = daemonLogger(io, settings.log)
  const metrics = daemonMetrics(settings.metrics, dir)
  const leader = await startLeader({ dir, listen: options.listen, connections: options.connections, node: { ...options.node, metrics: metrics.libp2p }, warn: (message) => { log.warn('warning', `warning: ${message}`) } })
  // the leader's node takes no node.yaml accounting section: the defaults (16 MiB files, 4 kept)
  const accounting = keepAccounting(dir, leader.node, leader.service, {}, log)
  const unlisten = [logMembers(leader.node, log), logLeaderService(leader.service, dir, log), logSubjects(leader.node, log), logSleep(leader.node, log), logForwarding(leader.node, log)]
  if (metrics.registry != null) unlisten.push(leaderMetrics(leader.service, metrics.registry))
  echoRequests(leader.node)
  let api: DaemonApi | undefined
  const dashboard = new Dashboard(leader.node, { role: 'leader', leader: leader.service })
  try {
    dashboard.start()
    api = await startDaemonApi(dir, options.api ?? leader.config.api ?? DEFAULT_API_ADDRESS, [
      ...statusRoutes('leader', leader.node),
      ...realmRoutes(leader.node),
      ...pendingRoutes(leader.service),
      ...revocationRoutes(leader.service),
      ...invitationRoutes(leader.service),
      ...replaceRoutes(leader.service),
      ...subjectRoutes(leader.node),
      ...dashboardRoutes(dashboard),
      ...metricsRoutes(metrics)
    ], heartbeatMs, dashboard.sessions)
    const { policy } = leader.config
    log.info('realm', `realm ${realm.name} (${realm.id})`, { realm: realm.id, name: realm.name })
    log.info('leader', `leader ${leader.node.peerId.toString()}, policy ${policy.mode}${policy.joinSecret == null ? '' : ' (join secret set)'}, deferred joins ${policy.deferred}`, { peerId: leader.node.peerId.toString(), policy: policy.mode, deferred: policy.deferred })
    const warning = joinSecretWarning(policy.joinSecret)
    if (warning != null) log.warn('join-secret.weak', `warning: ${warning} (policy.joinSecret in ${join(dir, 'leader.yaml')})`)
    log.info('realm.descriptor', `realm descriptor ${join(dir, 'realm.json')}`, { path: join(dir, 'realm.json') })
    for (const address of leader.node.status().listen) log.info('listening', `listening on ${address}`, { address })
    logListen(leader, dir, log)
    log.info('api', `control api ${api.url} (token in ${join(dir, 'api.json')})`, { url: api.url })
    await metrics.listen(log)
    await waitForAbort(stop)
    return EXIT.OK
  } finally {
    for (const off of unlisten) off()
    dashboard.stop()
    log.info('stopping', 'stopping')
    await leader.stop().catch((err: unknown) => { log.error('stop.failed', `error while stopping the leader: ${messageOf(err)}`, { error: messageOf(err) }) })
    await accounting.stop()
    await api?.stop()
    await metrics.stop()
    log.info('stopped', 'stopped')
  }
}

/** what became of the leader's addresses: saved for the next start, a taken port, a changed address */
function logListen (leader: RunningLeader, dir: string, log: Logger): void {
  const { saved, busy, movedFrom } = leader.listen
  if (saved != null) log.info('listen.saved', `listen addresses saved in ${join(dir, 'leader.yaml')}: ${saved.join(' ')} (the next start listens there again)`)
  if (busy != null) log.warn('listen.busy', `warning: ${busy.join(' ')} (from ${join(dir, 'leader.yaml')}) in use: listening on a free port for this run`)
  if (movedFrom != null) {
    log.warn('address.moved', `warning: the leader's address changed (realm.json named ${movedFrom.join(' ')}): ${join(dir, 'realm.json')} rewritten; ` +
      'members learn the new address when the leader reconnects to them; a node that starts later needs the new realm.json, or a member in its peers.json')
  }
  if (leader.knownPeers > 0) log.info('reconnecting', `reconnecting to the members of the last run (${leader.knownPeers} ${leader.knownPeers === 1 ? 'address' : 'addresses'} in ${join(dir, 'peers.json')})`)
}
