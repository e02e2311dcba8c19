/**
 * The leader daemon: the realm leader's node and token service (startLeader), the control API
 * with the pending-request, revocation and replace endpoints, and a line on stderr for every
 * request, token and member.
 */
import { join } from 'node:path'
import { joinSecretWarning, startLeader } from '@realmesh/leader'
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
import { logLeaderService } from './leader-events.js'
import { waitForAbort } from './wait.js'
import type { ConnectionLimits } from '@realmesh/node'
import type { DaemonApi } from './daemon-api.js'
import type { Io } from '../io.js'

export interface LeaderDaemonOptions {
  dir: string
  listen?: string[]
  api?: string
  connections?: ConnectionLimits
  /** the node config's other sections for the leader's own node (see startLeader) */
  node?: StartLeaderInit['node']
}

export async function runLeaderDaemon (options: LeaderDaemonOptions, io: Io): Promise<number> {
  const heartbeatMs = heartbeatFromEnv(io.env)
  const stop = io.stopSignal()
  const { dir } = options
  const realm = await readRealmFile(join(dir, 'realm.json'))
  if (realm == null) throw new CliError('LEADER_DIR_NOT_INITIALIZED', `${dir} has no realm.json: run realmesh leader init --name NAME --dir ${dir} first`)
  await assertDirFree(dir, realm.leader.peerId)
  const leader = await startLeader({ dir, listen: options.listen, connections: options.connections, node: options.node, warn: (message) => { io.err(`warning: ${message}`) } })
  const unlisten = [logMembers(leader.node, io), logLeaderService(leader.service, dir, io), logSubjects(leader.node, io), logSleep(leader.node, io)]
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
      ...dashboardRoutes(dashboard)
    ], heartbeatMs, dashboard.sessions)
    const { policy } = leader.config
    io.err(`realm ${realm.name} (${realm.id})`)
    io.err(`leader ${leader.node.peerId.toString()}, policy ${policy.mode}${policy.joinSecret == null ? '' : ' (join secret set)'}, deferred joins ${policy.deferred}`)
    const warning = joinSecretWarning(policy.joinSecret)
    if (warning != null) io.err(`warning: ${warning} (policy.joinSecret in ${join(dir, 'leader.yaml')})`)
    io.err(`realm descriptor ${join(dir, 'realm.json')}`)
    for (const address of leader.node.status().listen) io.err(`listening on ${address}`)
    logListen(leader, dir, io)
    io.err(`control api ${api.url} (token in ${join(dir, 'api.json')})`)
    await waitForAbort(stop)
    return EXIT.OK
  } finally {
    for (const off of unlisten) off()
    dashboard.stop()
    io.err('stopping')
    await leader.stop().catch((err: unknown) => { io.err(`error while stopping the leader: ${messageOf(err)}`) })
    await api?.stop()
    io.err('stopped')
  }
}

/** what became of the leader's addresses: saved for the next start, a taken port, a changed address */
function logListen (leader: RunningLeader, dir: string, io: Io): void {
  const { saved, busy, movedFrom } = leader.listen
  if (saved != null) io.err(`listen addresses saved in ${join(dir, 'leader.yaml')}: ${saved.join(' ')} (the next start listens there again)`)
  if (busy != null) io.err(`warning: ${busy.join(' ')} (from ${join(dir, 'leader.yaml')}) in use: listening on a free port for this run`)
  if (movedFrom != null) {
    io.err(`warning: the leader's address changed (realm.json named ${movedFrom.join(' ')}): ${join(dir, 'realm.json')} rewritten; ` +
      'members learn the new address when the leader reconnects to them; a node that starts later needs the new realm.json, or a member in its peers.json')
  }
  if (leader.knownPeers > 0) io.err(`reconnecting to the members of the last run (${leader.knownPeers} ${leader.knownPeers === 1 ? 'address' : 'addresses'} in ${join(dir, 'peers.json')})`)
}
