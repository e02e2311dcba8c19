/**
 * The node daemon: a RealmNode whose key, token, realm descriptor and known peers live in its data
 * dir, with the control API, until SIGINT / SIGTERM (exit 0) or a refusal by the realm (exit 2).
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { join } from 'node:path'
import { createRealmNode, InvitationError, readInvitation, openStore, fileBanStore, fileEpochStore, fileRevocationStore, keepPeersFile, Revocations } from '@realmesh/node'
import { DEFAULT_SKEW_SECONDS } from '@realmesh/token'
import { EXIT, messageOf } from '../errors.js'
import { ensureDir } from '../data-dir/files.js'
import { NodeDataDir } from '../data-dir/node-dir.js'
import { statusRoutes } from '../api/routes/status.js'
import { realmRoutes } from '../api/routes/realm.js'
import { subjectRoutes } from '../api/routes/subjects.js'
import { durableRoutes } from '../api/routes/durable.js'
import { dashboardRoutes } from '../api/routes/dashboard.js'
import { Dashboard } from '../dashboard/dashboard.js'
import { tunnelRoutes } from '../api/routes/tunnels.js'
import { plural } from '../format.js'
import { formatMs } from '../duration.js'
import { assertDirFree, heartbeatFromEnv, startDaemonApi } from './daemon-api.js'
import { keepAccounting } from './accounting.js'
import { echoRequests, logBootstrap, logMembers, logOutbox, logSleep, logSubjects } from './node-events.js'
import { durableInit, logDurable } from './durable.js'
import { natInit } from '../config/node-config.js'
import { exposeConfigured, logTunnels } from './tunnels.js'
import { logForwarding } from './forwarding.js'
import { prepareRealm, prepareToken, tokenRefusal } from './node-state.js'
import { identityRefusal, prepareIdentity } from './node-identity.js'
import { sleepUntil } from './wait.js'
import { daemonLogger, refusedLine } from './daemon-log.js'
import { daemonMetrics } from './daemon-metrics.js'
import { metricsRoutes } from '../api/routes/metrics.js'
import { trackTokenRequest } from './token-request.js'
import type { ReadInvitation, RealmNode, TokenRequestInit } from '@realmesh/node'
import type { NodeIdentity } from './node-identity.js'
import type { NodeStartOptions } from '../commands/node-start.js'
import type { DaemonApi } from './daemon-api.js'
import type { Io } from '../io.js'

export async function runNodeDaemon (options: NodeStartOptions, io: Io): Promise<number> {
  const heartbeatMs = heartbeatFromEnv(io.env)
  const log = daemonLogger(io, options.daemon.log)
  const stop = io.stopSignal()
  const dir = new NodeDataDir(options.dir)
  await ensureDir(dir.dir)
  const { key, created } = await dir.loadOrCreateKey()
  const peerId = peerIdFromPrivateKey(key).toString()
  if (created) log.info('key.created', `created node key ${dir.path('key')} (peer id ${peerId})`, { path: dir.path('key'), peerId })
  // before anything in DIR is rewritten
  await assertDirFree(dir.dir, peerId)
  let invitation: ReadInvitation | undefined
  try {
    invitation = options.invitation == null ? undefined : await readInvitation(options.invitation)
  } catch (err) {
    // an invitation whose token expired (or does not verify) is refused here, before anything is dialled
    if (!(err instanceof InvitationError) || err.code === 'INVITATION_MALFORMED') throw err
    refusedLine(log, { code: err.code, reason: err.message })
    return EXIT.REFUSED
  }
  const realm = await prepareRealm(dir, options.realmFile, log, invitation?.realm)
  const token = await prepareToken(dir, { tokenFile: options.tokenFile, peerId, realm, log })
  if (invitation != null && token != null) log.warn('invitation.unused', `${dir.path('token')} holds a node token: the invitation is not used (it joins one node, once)`)
  const identity = await prepareIdentity(dir, { identityDir: options.identityDir, identityTokenFile: options.identityTokenFile, log })
  log.info('realm', `realm ${realm.name} (${realm.id})`, { realm: realm.id, name: realm.name })
  log.info('peer-id', `peer id ${peerId}`, { peerId })
  if (identity != null) log.info('identity', `identity ${identity.identity} (identity token expires ${new Date(identity.exp * 1000).toISOString()})`, { identity: identity.identity, expires: new Date(identity.exp * 1000).toISOString() })
  // the revocations this node learnt in earlier runs: a revoked node says so before it dials anyone
  const revocations = new Revocations({ realm, store: fileRevocationStore(join(dir.dir, 'revocations.json')) })
  await revocations.load()
  const skewSeconds = options.config.tokenSkewSeconds
  const refused = (token == null ? undefined : await tokenRefusal(token, realm, peerId, { skewSeconds, revocations })) ??
    (identity == null ? undefined : await identityRefusal(identity, realm, peerId, { skewSeconds, revocations }))
  if (refused != null) {
    refusedLine(log, refused)
    return EXIT.REFUSED
  }
  const known = await dir.readPeers()
  if (known.error != null) log.warn('peers.unreadable', `ignoring ${dir.path('peers')}: ${known.error}`, { path: dir.path('peers'), error: known.error })

  if (token == null) {
    log.info('token.request', invitation != null
      ? `no node token: asking the realm leader for one with invitation ${invitation.id}`
      : options.joinSecret == null
        ? 'no node token: asking the realm leader for one; the operator approves it there (realmesh leader pending / approve)'
        : 'no node token: asking the realm leader for one with the join secret')
  }
  const { config } = options
  const metrics = daemonMetrics(options.daemon.metrics, dir.dir)
  // opened last before the node: every refusal above leaves it closed
  const store = await openStore(dir.path('store'))
  const node = await createRealmNode({
    realm,
    privateKey: key,
    nodeToken: token,
    // with an identity, joins present its token and its key signs this node's interests
    identityToken: identity?.token,
    identityKey: identity?.key,
    tokenRequest: token == null ? tokenRequestOf(options.joinSecret, invitation) : undefined,
    listen: options.listen,
    bootstrap: [...options.bootstrap, ...(invitation?.bootstrap ?? []), ...realm.bootstrap],
    knownPeers: known.peers,
    connections: config.connections,
    dht: config.dht,
    handshake: config.handshake,
    join: config.join,
    keepalive: config.keepalive,
    redial: config.redial,
    messaging: config.messaging,
    subjects: config.subjects,
    tokenSkewSeconds: config.tokenSkewSeconds,
    sleep: options.sleep,
    mdns: options.mdns,
    // bans of abusive peers survive a restart (DIR/bans.json), and so do the realm's revocations and epochs
    guard: { ...config.abuse, banStore: fileBanStore(join(dir.dir, 'bans.json')) },
    revocationStore: fileRevocationStore(join(dir.dir, 'revocations.json')),
    epochStore: fileEpochStore(join(dir.dir, 'epochs.json')),
    store: store.datastore,
    durable: durableInit(config.durable),
    relay: config.relay,
    nat: natInit(config.nat),
    tunnels: config.tunnels,
    forwarding: config.forwarding,
    metrics: metrics.libp2p
  }).catch(async (err: unknown) => {
    await store.close()
    throw err
  })
  const request = trackTokenRequest(node, log)
  const accounting = keepAccounting(dir.dir, node, undefined, config.accounting ?? {}, log)
  const unlisten = [logMembers(node, log), logBootstrap(node, log), logSubjects(node, log), logDurable(node, log), logSleep(node, log), logOutbox(node, log), logTunnels(node, log), logForwarding(node, log), request.off]
  echoRequests(node)
  // saved one after another (a renewal's token never overwritten by an older one still being
  // written), and awaited before "joined" is said and before the daemon ends: a node that said it
  // joined has its token on disk, so a restart does not ask the leader again
  let tokenSaved: Promise<void> = Promise.resolve()
  node.addEventListener('token', (evt) => {
    tokenSaved = tokenSaved.then(async () => { await dir.saveToken(evt.detail) }).catch((err: unknown) => { log.error('token.save-failed', `could not save the token to ${dir.path('token')}: ${messageOf(err)}`, { error: messageOf(err) }) })
  })
  let api: DaemonApi | undefined
  const dashboard = new Dashboard(node, { role: 'node' })
  // DIR/peers.json: after joins, every 30 s, and at stop
  const peersFile = keepPeersFile(node, dir.path('peers'), (err) => { log.error('peers.save-failed', `could not save ${dir.path('peers')}: ${messageOf(err)}`, { error: messageOf(err) }) })
  try {
    exposeConfigured(node, config.services, log)
    await node.start()
    dashboard.start()
    api = await startDaemonApi(dir.dir, options.api, [...statusRoutes('node', node), ...realmRoutes(node), ...subjectRoutes(node), ...durableRoutes(node), ...tunnelRoutes(node), ...dashboardRoutes(dashboard), ...metricsRoutes(metrics)], heartbeatMs, dashboard.sessions)
    for (const address of node.status().listen) log.info('listening', `listening on ${address}`, { address })
    log.info('api', `control api ${api.url} (token in ${dir.path('api')})`, { url: api.url })
    await metrics.listen(log)
    const sleep = node.status().sleep
    if (sleep != null) log.info('sleep.schedule', `wake schedule: awake ${formatMs(sleep.awakeMs)} of every ${formatMs(sleep.periodMs)}${sleep.onData ? ', and whenever it has data to send' : ''}; asleep it closes every connection`)

    const refused = await waitJoined(node, stop)
    if (refused != null) {
      refusedLine(log, refused)
      return EXIT.REFUSED
    }
    if (stop.aborted) return EXIT.OK
    await tokenSaved
    const members = node.members().length
    log.info('joined', `joined realm ${realm.name}: ${plural(members, 'member')}`, { realm: realm.id, members })
    const ended = await waitForEnd(node, stop, identity == null ? undefined : identityExpiry(identity, skewSeconds))
    if (ended != null) {
      refusedLine(log, ended)
      return EXIT.REFUSED
    }
    return EXIT.OK
  } finally {
    await peersFile.stop()
    // stopped while waiting for the operator: the request leaves the leader's list now
    if (stop.aborted) await request.withdraw()
    for (const off of unlisten) off()
    dashboard.stop()
    log.info('stopping', 'stopping')
    await node.stop().catch((err: unknown) => { log.error('stop.failed', `error while stopping the node: ${messageOf(err)}`, { error: messageOf(err) }) })
    await tokenSaved
    await accounting.stop()
    await api?.stop()
    await metrics.stop()
    await store.close().catch((err: unknown) => { log.error('store.close-failed', `error while closing ${store.path}: ${messageOf(err)}`, { error: messageOf(err) }) })
    log.info('stopped', 'stopped')
  }
}

/**
 * Resolves when `stop` aborts (undefined), or with the refusal when the realm ends this node's
 * membership for good: its token was revoked (a member passed on the leader's signed revocation)
 * or expired without a renewal, or its identity token expired (nodes do not renew those: members
 * would refuse its joins and interests from then on).
 */
async function waitForEnd (node: RealmNode, stop: AbortSignal, identityEnd?: { atMs: number, refusal: { code: string, reason: string } }): Promise<{ code: string, reason: string } | undefined> {
  if (stop.aborted) return undefined
  const ended = new AbortController()
  return new Promise((resolve) => {
    const onRevoked = (evt: CustomEvent<{ code: string, reason: string }>): void => { done({ code: evt.detail.code, reason: evt.detail.reason === '' ? 'revoked by the realm leader' : evt.detail.reason }) }
    const onStop = (): void => { done(undefined) }
    const done = (result: { code: string, reason: string } | undefined): void => {
      node.removeEventListener('token:revoked', onRevoked)
      node.removeEventListener('token:expired', onRevoked)
      stop.removeEventListener('abort', onStop)
      ended.abort()
      resolve(result)
    }
    node.addEventListener('token:revoked', onRevoked)
    node.addEventListener('token:expired', onRevoked)
    stop.addEventListener('abort', onStop, { once: true })
    if (identityEnd != null) {
      void sleepUntil(identityEnd.atMs, ended.signal).then(() => { if (!ended.signal.aborted) done(identityEnd.refusal) })
    }
  })
}

/** when the identity token is past its exp and the skew members allow, and what the daemon then says */
function identityExpiry (identity: NodeIdentity, skewSeconds = DEFAULT_SKEW_SECONDS): { atMs: number, refusal: { code: string, reason: string } } {
  const at = new Date(identity.exp * 1000).toISOString()
  return {
    atMs: (identity.exp + skewSeconds) * 1000,
    refusal: { code: 'TOKEN_EXPIRED', reason: `the identity token of ${identity.identity} expired at ${at}; members refuse it: issue a new one (realmesh token issue --identity ${identity.identity} --node THIS_NODE) and start again with --identity-token` }
  }
}

/** Resolves when the node joined (undefined), was refused (the refusal), or `stop` aborted. */
async function waitJoined (node: RealmNode, stop: AbortSignal): Promise<{ code: string, reason: string } | undefined> {
  let refusal: { code: string, reason: string } | undefined
  const onFailed = (evt: CustomEvent<{ code: string, reason: string }>): void => { refusal = { code: evt.detail.code, reason: evt.detail.reason } }
  node.addEventListener('bootstrap:failed', onFailed)
  try {
    await node.whenJoined({ signal: stop })
    return undefined
  } catch (err) {
    if (stop.aborted) return undefined
    const e = err as { code?: string, reason?: string }
    return refusal ?? { code: e.code ?? 'INTERNAL', reason: e.reason ?? messageOf(err) }
  } finally {
    node.removeEventListener('bootstrap:failed', onFailed)
  }
}

/** without a token the node always asks: with an invitation or the join secret (auto approval), or for manual approval */
function tokenRequestOf (joinSecret: string | undefined, invitation: ReadInvitation | undefined): TokenRequestInit {
  if (invitation != null) return { invitation: { id: invitation.id, secret: invitation.secret } }
  return joinSecret == null ? {} : { joinSecret }
}
