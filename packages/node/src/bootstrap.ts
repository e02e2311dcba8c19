/**
 * Getting into the realm at start: a node token from the leader when the node has none, then a
 * join through any of the bootstrap addresses. Transient failures (unreachable, timed out) are
 * retried with exponential backoff and jitter, each retry reported as a `bootstrap:retry` event;
 * a deferral waits for the time the remote asked; a refusal (a NACK, a refused handshake, a denied
 * token request) ends that address. When every address ended in a refusal, `bootstrap:failed`.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from './util/multiaddr.js'
import { leaderPeerId } from '@realmesh/token'
import { PROTOCOLS, WireErrorCode } from '@realmesh/wire'
import { JoinDeferredError, TokenRequestError, NodeStateError, isTransient } from './errors.js'
import { dialError } from './network-errors.js'
import { requestNodeToken } from './leader/leader-client.js'
import { backoffDelay, sleep } from './util/backoff.js'
import type { RealmNode, RefusalDetail } from './realm-node.js'
import type { TokenRequestInit } from './init.js'
import type { BackoffInit } from './util/backoff.js'
import type { PeerId, AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RealmDescriptor } from '@realmesh/token'
import type { LanJoins } from './discovery/lan-joins.js'

export interface BootstrapInit {
  realm: RealmDescriptor
  self: PeerId
  /** multiaddr strings with /p2p/<peer id>; none (but this node's own) makes it the realm's first member */
  addresses: string[]
  /**
   * addresses of members from an earlier run, joined through with `addresses`; a first member
   * does not wait on them (membership/redial.ts dials them in the background)
   */
  knownPeers?: string[]
  tokenRequest?: TokenRequestInit
  backoff?: BackoffInit
  /**
   * the realm leader found on the local network by mDNS (discovery/lan-joins.ts): its addresses
   * count as bootstrap addresses, and a node without a token waits for it when no bootstrap
   * address names the leader
   */
  lan?: Pick<LanJoins, 'leader' | 'leaderFound'>
}

export class Bootstrap {
  private readonly node: RealmNode
  private readonly init: BootstrapInit

  constructor (node: RealmNode, init: BootstrapInit) {
    this.node = node
    this.init = init
  }

  /** Runs in the background until joined, refused everywhere, or `signal` aborts. */
  run (signal: AbortSignal): void {
    this.runAsync(signal).catch(() => {})
  }

  private async runAsync (signal: AbortSignal): Promise<void> {
    if (!this.node.hasToken()) {
      await this.acquireToken(signal)
    }
    const addresses = this.addresses()
    if (addresses.length === 0) {
      this.node.markFirstMember()
      return
    }
    const joined = new AbortController()
    const onJoined = (): void => { joined.abort() }
    this.node.addEventListener('joined', onJoined, { once: true })
    const loops = AbortSignal.any([signal, joined.signal])
    const results = await Promise.allSettled(addresses.map(async (address) => this.joinVia(address, loops)))
    this.node.removeEventListener('joined', onJoined)
    if (this.node.joined || signal.aborted) return
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as Error | undefined
    this.fail(refusal ?? new NodeStateError('no bootstrap address could be joined'))
  }

  /**
   * Joins again after the node lost every member (they dropped it while it was frozen or cut off,
   * or they all left): through the bootstrap addresses and `extra` (where its last members were),
   * each retried with backoff like the first join, until one member is admitted or `signal`
   * aborts. A refusal ends that address quietly: the node is still up, and a peer joining it ends
   * the isolation as well. Resolves when it is over either way. `addresses`: see rejoinAddresses.
   */
  async rejoin (addresses: Multiaddr[], signal: AbortSignal): Promise<void> {
    if (addresses.length === 0) return
    const admitted = new AbortController()
    const onJoined = (): void => { admitted.abort() }
    this.node.addEventListener('peer:joined', onJoined, { once: true })
    try {
      const loops = AbortSignal.any([signal, admitted.signal])
      await Promise.allSettled(addresses.map(async (address) => this.joinVia(address, loops)))
    } finally {
      this.node.removeEventListener('peer:joined', onJoined)
    }
  }

  /** Tries one address until it admits us, refuses us, or `signal` aborts. */
  private async joinVia (address: Multiaddr, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.node.connect(address, { signal })
        return
      } catch (err) {
        if (signal.aborted) throw err
        if (err instanceof JoinDeferredError) {
          this.node.safeDispatchEvent('join:deferred', { detail: { peer: err.peer, retryAfterMs: err.retryAfterMs } })
          await sleep(err.retryAfterMs, signal)
          continue
        }
        if (!isTransient(err)) throw err
        await this.retryLater(address.toString(), attempt, err, signal)
      }
    }
  }

  private async acquireToken (signal: AbortSignal): Promise<void> {
    const leader = leaderPeerId(this.init.realm)
    // asked again at each attempt: the leader may be found on the LAN meanwhile
    const leaderAddrs = (): Multiaddr[] => this.addresses().filter(a => peerIdOf(a) === leader.toString())
    if (this.init.tokenRequest == null || (leaderAddrs().length === 0 && this.init.lan == null)) {
      // not the leader's decision: this node cannot even ask
      const err = new NodeStateError(this.init.tokenRequest == null
        ? 'this node has no node token and no way to ask for one (give it a token, or a tokenRequest to ask the leader)'
        : `this node has no node token, and no address of the realm leader ${leader.toString()} is among the bootstrap addresses to ask it for one`)
      this.fail(err)
      throw err
    }
    for (let attempt = 0; ; attempt++) {
      const addrs = leaderAddrs()
      if (addrs.length === 0) {
        // no bootstrap address names the leader: it may yet answer mDNS
        await this.init.lan?.leaderFound({ signal })
        continue
      }
      try {
        const token = await requestNodeToken(async (options: AbortOptions) => {
          const connection = await this.node.libp2p.dial(addrs, options)
          return connection.newStream(PROTOCOLS.leader, options)
        }, this.init.self, leader, {
          ...this.init.tokenRequest,
          signal,
          onPending: (requestId) => { this.node.safeDispatchEvent('token:pending', { detail: { requestId } }) }
        })
        this.node.setNodeToken(token)
        this.node.safeDispatchEvent('token', { detail: token })
        return
      } catch (err) {
        if (signal.aborted) throw err
        if (err instanceof TokenRequestError) {
          this.fail(err)
          throw err
        }
        await this.retryLater(addrs.map(String).join(','), attempt, err, signal)
      }
    }
  }

  private async retryLater (address: string, attempt: number, err: unknown, signal: AbortSignal): Promise<void> {
    const delayMs = backoffDelay(attempt, this.init.backoff)
    const e = dialError(err)
    this.node.safeDispatchEvent('bootstrap:retry', { detail: { address, attempt: attempt + 1, delayMs, code: e.code ?? 'UNREACHABLE', error: e.message ?? String(err) } })
    await sleep(delayMs, signal)
  }

  private fail (err: Error): void {
    const e = err as { code?: string, reason?: string, peer?: string, byRemote?: boolean }
    const detail: RefusalDetail = { peer: e.peer ?? '', code: e.code ?? WireErrorCode.INTERNAL, reason: e.reason ?? err.message, byRemote: e.byRemote ?? false }
    this.node.failJoin(err, detail)
  }

  /** the bootstrap addresses (without this node's own) and the leader's found on the LAN, the known peers, then `extra`, without duplicates; none for a first member */
  rejoinAddresses (extra: string[]): Multiaddr[] {
    return this.addresses(extra)
  }

  private addresses (extra: string[] = []): Multiaddr[] {
    // the leader's addresses heard on the LAN first: they are current, a bootstrap list may not be
    const anchors = [...(this.init.lan?.leader() ?? []).map(String), ...this.init.addresses]
    const bootstrap = this.parse(anchors)
    return bootstrap.length === 0 ? [] : this.parse([...anchors, ...(this.init.knownPeers ?? []), ...extra])
  }

  /** the addresses (without this node's own) without duplicates */
  private parse (texts: string[]): Multiaddr[] {
    const self = this.init.self.toString()
    const seen = new Set<string>()
    const out: Multiaddr[] = []
    for (const text of texts) {
      let ma: Multiaddr
      try {
        ma = multiaddr(text)
      } catch {
        continue
      }
      if (peerIdOf(ma) === self || seen.has(ma.toString())) continue
      seen.add(ma.toString())
      out.push(ma)
    }
    return out
  }
}
