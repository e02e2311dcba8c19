/**
 * Running a leader from its directory: the RealmNode (the realm's first member: it joins nobody),
 * the LeaderService on it, the leader's own token kept fresh, and realm.json's bootstrap list
 * rewritten with the addresses the node actually listens on.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { join } from 'node:path'
import { createRealmNode, fileBanStore, fileEpochStore } from '@realmesh/node'
import { MAX_BOOTSTRAP_ADDRESSES, parseRealmDescriptor } from '@realmesh/token'
import { ensureLeaderToken, LEADER_TOKEN_RENEW_BEFORE_MS, loadLeaderDir, writeRealm } from './leader-dir.js'
import { LeaderService } from './leader-service.js'
import { LEADER_FILES } from './issuing.js'
import type { LeaderConfig } from './config.js'
import type { ConnectionLimits, RealmNode, RealmNodeInit } from '@realmesh/node'
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
  node?: Pick<RealmNodeInit, 'dht' | 'handshake' | 'join' | 'keepalive' | 'tokenSkewSeconds'> & { abuse?: { banThreshold?: number, banDurationMs?: number } }
  /** @default Date.now */
  now?: () => number
}

export interface RunningLeader {
  node: RealmNode
  service: LeaderService
  config: LeaderConfig
  /** realm.json as rewritten, with the leader's listen addresses as its bootstrap list */
  realm: RealmDescriptor
  stop: () => Promise<void>
}

/** a timer can wait at most 2^31 - 1 ms (~24.8 days); longer waits are taken in steps */
const MAX_TIMER_MS = 2 ** 31 - 1
/** when renewing the leader's token fails (disk full ...), try again after this long */
const RENEW_RETRY_MS = 60_000

/**
 * Loads DIR, starts the leader's RealmNode (bootstrap [], its revocations those of the service) and its
 * LeaderService (with DIR for persistence), and rewrites DIR/realm.json's bootstrap list.
 */
export async function startLeader (init: StartLeaderInit): Promise<RunningLeader> {
  const now = init.now ?? Date.now
  const { key, realm, config } = await loadLeaderDir(init.dir)
  const ref: { service?: LeaderService } = {}
  const isRevoked = (jti: string, sub: string): boolean => ref.service?.isRevoked(jti, sub) ?? false
  // revocations are only known once the service has loaded revoked.json; the token is re-checked below
  const own = await ensureLeaderToken(init.dir, key, realm, { now })
  const node = await createRealmNode({
    realm,
    privateKey: key,
    nodeToken: own.token,
    listen: init.listen ?? config.listen,
    bootstrap: [],
    connections: init.connections,
    dht: init.node?.dht,
    handshake: init.node?.handshake,
    join: init.node?.join,
    keepalive: init.node?.keepalive,
    tokenSkewSeconds: init.node?.tokenSkewSeconds,
    // bans of abusive peers survive a restart
    guard: { ...init.node?.abuse, banStore: fileBanStore(join(init.dir, 'bans.json')) },
    // the epochs this leader published: a restart goes on from the current one
    epochStore: fileEpochStore(join(init.dir, LEADER_FILES.epochs)),
    now
  })
  const service = new LeaderService({ node, key, realm, policy: config.policy, dir: init.dir, maxPending: config.maxPending, requests: config.requests, joinProofs: config.joinProofs, epochSeconds: config.epochSeconds, now })
  ref.service = service

  let renewTimer: ReturnType<typeof setTimeout> | undefined
  let exp = own.exp
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
  scheduleRenewal(exp * 1000 - LEADER_TOKEN_RENEW_BEFORE_MS - now())

  const bootstrap = bootstrapAddresses(node)
  const rewritten = parseRealmDescriptor({ ...realm, bootstrap })
  await writeRealm(init.dir, rewritten)

  return {
    node,
    service,
    config,
    realm: rewritten,
    stop: async () => {
      clearTimeout(renewTimer)
      await service.stop()
      await node.stop()
    }
  }
}

/** The node's listen addresses, each ending in /p2p/<leader peer id>. */
function bootstrapAddresses (node: RealmNode): string[] {
  const self = node.peerId.toString()
  const out: string[] = []
  for (const address of node.libp2p.getMultiaddrs()) {
    const components = address.getComponents()
    const withPeer = components[components.length - 1]?.name === 'p2p' ? address : address.encapsulate(multiaddr(`/p2p/${self}`))
    const text = withPeer.toString()
    if (!out.includes(text)) out.push(text)
  }
  return out.slice(0, MAX_BOOTSTRAP_ADDRESSES)
}
