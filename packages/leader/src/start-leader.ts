/**
 * Running a leader from its directory: the RealmNode (the realm's first member: it joins nobody,
 * and dials the members it knew in its last run, DIR/peers.json), the LeaderService on it, the
 * leader's own token kept fresh, its listen addresses kept across restarts (listen.ts), and
 * realm.json's bootstrap list rewritten with the addresses the node actually listens on.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { join } from 'node:path'
import { createRealmNode, fileBanStore, fileEpochStore, keepPeersFile, readPeersFile } from '@realmesh/node'
import { MAX_BOOTSTRAP_ADDRESSES, parseRealmDescriptor } from '@realmesh/token'
import { ensureLeaderToken, LEADER_TOKEN_RENEW_BEFORE_MS, loadLeaderDir, writeRealm } from './leader-dir.js'
import { LEADER_FILES } from './issuing.js'
import { LeaderService } from './leader-service.js'
import { isAddressInUse, resolveListen, saveListen, withFreePorts } from './listen.js'
import type { LeaderConfig } from './config.js'
import type { ConnectionLimits, RealmNode, RealmNodeInit } from '@realmesh/node'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { RealmDescriptor } from '@realmesh/token'

export interface StartLeaderInit {
  dir: string
  /** listen addresses. @default the config's `listen` */
  listen?: string[]
  /** libp2p connection limits of the leader's node. @default the RealmNode defaults */
  connections?: ConnectionLimits
  /**
   * the rest of a node's settings for the leader's own node (a node config's sections, as
   * `realmesh leader start --node-config` gives them). @default the RealmNode defaults
   */
  node?: Pick<RealmNodeInit, 'dht' | 'handshake' | 'join' | 'keepalive' | 'redial' | 'tokenSkewSeconds' | 'nat' | 'mdns' | 'metrics'> & { abuse?: { banThreshold?: number, banDurationMs?: number } }
  /** told what goes wrong in the background (DIR/peers.json could not be saved). @default nothing */
  warn?: (message: string) => void
  /** @default Date.now */
  now?: () => number
}

/** what became of the leader's addresses at this start */
export interface ListenOutcome {
  /** the listen addresses now in leader.yaml, when this start changed them (a port 0 resolved, a new --listen) */
  saved?: string[]
  /** leader.yaml's addresses whose port was taken: this run listens on a free port instead */
  busy?: string[]
  /** realm.json's bootstrap list before this start, when the leader no longer listens there */
  movedFrom?: string[]
}

export interface RunningLeader {
  node: RealmNode
  service: LeaderService
  config: LeaderConfig
  /** realm.json as rewritten, with the leader's listen addresses as its bootstrap list */
  realm: RealmDescriptor
  listen: ListenOutcome
  /** how many member addresses DIR/peers.json gave (dialled in the background) */
  knownPeers: number
  stop: () => Promise<void>
}

/** a timer can wait at most 2^31 - 1 ms (~24.8 days); longer waits are taken in steps */
const MAX_TIMER_MS = 2 ** 31 - 1
/** when renewing the leader's token fails (disk full ...), try again after this long */
const RENEW_RETRY_MS = 60_000

/**
 * Loads DIR, starts the leader's RealmNode (bootstrap [], DIR/peers.json's members dialled in the
 * background, its revocations those of the service) and its LeaderService (with DIR for
 * persistence), saves its listen addresses in leader.yaml, and rewrites DIR/realm.json's bootstrap list.
 */
export async function startLeader (init: StartLeaderInit): Promise<RunningLeader> {
  const now = init.now ?? Date.now
  const { key, realm, config } = await loadLeaderDir(init.dir)
  const requested = init.listen ?? config.listen
  const peersPath = join(init.dir, LEADER_FILES.peers)
  const known = await readPeersFile(peersPath)
  if (known.error != null) init.warn?.(`ignoring ${peersPath}: ${known.error}`)
  const launch = async (listen: string[]): Promise<Launched> => launchLeader(init, { key, realm, config, listen, knownPeers: known.peers, now })
  const outcome: ListenOutcome = {}
  let launched: Launched
  try {
    launched = await launch(requested)
  } catch (err) {
    // a port leader.yaml names is taken (by another process, or an outgoing connection took the
    // port an earlier start picked): a free one for this run, said so; a --listen port is the operator's
    if (init.listen != null || !isAddressInUse(err)) throw err
    const free = await withFreePorts(requested)
    if (free.busy.length === 0) throw err
    outcome.busy = free.busy
    launched = await launch(free.listen)
  }
  const { node, service, isRevoked } = launched
  let exp = launched.exp
  const peersFile = keepPeersFile(node, peersPath, (err) => { init.warn?.(`could not save ${peersPath}: ${err instanceof Error ? err.message : String(err)}`) })
  const stop = async (): Promise<void> => {
    clearTimeout(renewTimer)
    await peersFile.stop()
    await service.stop()
    await node.stop()
  }

  let renewTimer: ReturnType<typeof setTimeout> | undefined
  const scheduleRenewal = (delayMs: number): void => {
    renewTimer = setTimeout(() => {
      const dueIn = exp * 1000 - LEADER_TOKEN_RENEW_BEFORE_MS - now()
      if (dueIn > 0) {
        scheduleRenewal(dueIn)
        return
      }
      ensureLeaderToken(init.dir, key, realm, { now, isRevoked }).then(renewed => {
        exp = renewed.exp
        node.setNodeToken(renewed.token)
        scheduleRenewal(exp * 1000 - LEADER_TOKEN_RENEW_BEFORE_MS - now())
      }, () => { scheduleRenewal(RENEW_RETRY_MS) })
    }, Math.min(MAX_TIMER_MS, Math.max(1_000, delayMs)))
    renewTimer.unref()
  }

  scheduleRenewal(exp * 1000 - LEADER_TOKEN_RENEW_BEFORE_MS - now())

  const bootstrap = bootstrapAddresses(node)
  if (realm.bootstrap.length > 0 && [...realm.bootstrap].sort().join() !== [...bootstrap].sort().join()) outcome.movedFrom = realm.bootstrap
  const rewritten = parseRealmDescriptor({ ...realm, bootstrap })
  try {
    if (outcome.busy == null) {
      const resolved = resolveListen(requested, node.listenAddrs())
      if (resolved.join('\n') !== config.listen.join('\n')) {
        await saveListen(init.dir, resolved)
        outcome.saved = resolved
      }
    }
    await writeRealm(init.dir, rewritten)
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
  return { node, service, config: outcome.saved == null ? config : { ...config, listen: outcome.saved }, realm: rewritten, listen: outcome, knownPeers: known.peers.length, stop }
}

interface Launched {
  node: RealmNode
  service: LeaderService
  /** the leader token's expiry, s */
  exp: number
  isRevoked: (jti: string, sub: string) => boolean
}

interface LaunchInit {
  key: Ed25519PrivateKey
  realm: RealmDescriptor
  config: LeaderConfig
  listen: string[]
  knownPeers: string[]
  now: () => number
}

/** The leader's node and service, started on `listen` (both stopped again when either fails to start). */
async function launchLeader (init: StartLeaderInit, { key, realm, config, listen, knownPeers, now }: LaunchInit): Promise<Launched> {
  const ref: { service?: LeaderService } = {}
  const isRevoked = (jti: string, sub: string): boolean => ref.service?.isRevoked(jti, sub) ?? false
  // revocations are only known once the service has loaded revoked.json; the token is re-checked below
  const own = await ensureLeaderToken(init.dir, key, realm, { now })
  const node = await createRealmNode({
    realm,
    privateKey: key,
    nodeToken: own.token,
    listen,
    // the realm's first member: joined at once; the members it knew are dialled in the background
    bootstrap: [],
    knownPeers,
    connections: init.connections,
    dht: init.node?.dht,
    handshake: init.node?.handshake,
    join: init.node?.join,
    keepalive: init.node?.keepalive,
    redial: init.node?.redial,
    tokenSkewSeconds: init.node?.tokenSkewSeconds,
    nat: init.node?.nat,
    // on the LAN, nodes without a reachable bootstrap address find the leader to ask for a token
    mdns: init.node?.mdns,
    metrics: init.node?.metrics,
    // bans of abusive peers survive a restart
    guard: { ...init.node?.abuse, banStore: fileBanStore(join(init.dir, 'bans.json')) },
    // the epochs this leader published: a restart goes on from the current one
    epochStore: fileEpochStore(join(init.dir, LEADER_FILES.epochs)),
    now
  })
  const service = new LeaderService({ node, key, realm, policy: config.policy, dir: init.dir, maxPending: config.maxPending, requests: config.requests, joinProofs: config.joinProofs, epochSeconds: config.epochSeconds, subjects: config.subjects, now })
  ref.service = service
  let exp = own.exp
  try {
    await service.start()
    // now that revoked.json is loaded: a revoked leader token is replaced before anyone sees it
    const checked = await ensureLeaderToken(init.dir, key, realm, { now, isRevoked })
    if (checked.token !== own.token) {
      exp = checked.exp
      node.setNodeToken(checked.token)
    }
    await node.start()
  } catch (err) {
    await service.stop().catch(() => {})
    await node.stop().catch(() => {})
    throw err
  }
  return { node, service, exp, isRevoked }
}

/** The node's listen addresses, each ending in /p2p/<leader peer id>. */
function bootstrapAddresses (node: RealmNode): string[] {
  const self = node.peerId.toString()
  const out: string[] = []
  for (const address of node.listenAddrs()) {
    const components = address.getComponents()
    const withPeer = components[components.length - 1]?.name === 'p2p' ? address : address.encapsulate(multiaddr(`/p2p/${self}`))
    const text = withPeer.toString()
    if (!out.includes(text)) out.push(text)
  }
  return out.slice(0, MAX_BOOTSTRAP_ADDRESSES)
}
