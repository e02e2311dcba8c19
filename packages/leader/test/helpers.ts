/**
 * Test helpers: real RealmNodes on the in-memory transport (or TCP loopback), a leader with a
 * LeaderService, waiting on events (never on sleeps), and a raw leader-protocol exchange for the
 * requests a RealmNode would never send.
 */
import { randomUUID } from 'node:crypto'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createRealmNode } from '@realmesh/node'
import { createRealmDescriptor, generateNodeKey, issueNodeToken } from '@realmesh/token'
import { Frames, FRAME_LIMITS, LeaderRequest, LeaderResponse, PROTOCOLS } from '@realmesh/wire'
import { LeaderService } from '../src/index.js'
import type { LeaderServiceInit, TokenPolicy } from '../src/index.js'
import type { Ed25519PrivateKey, Libp2p, PeerId } from '@libp2p/interface'
import type { RealmNode, RealmNodeInit } from '@realmesh/node'
import type { RealmDescriptor } from '@realmesh/token'
import type { MessageCodec } from '@realmesh/wire'

/** how long any single wait in a test may take before it fails */
export const WAIT_MS = 20_000

export function memoryAddress (): string {
  return `/memory/${randomUUID()}`
}

/** Stops everything a test started, in reverse order (call from `after` / `t.after`). */
export class Cleanup {
  private readonly tasks: Array<() => Promise<void>> = []

  add (task: () => Promise<void>): void {
    this.tasks.push(task)
  }

  async run (): Promise<void> {
    for (const task of this.tasks.splice(0).reverse()) await task().catch(() => {})
  }
}

export interface TestLeader {
  node: RealmNode
  service: LeaderService
  key: Ed25519PrivateKey
  realm: RealmDescriptor
  /** the leader's dialable address, with /p2p/ */
  address: string
}

export interface TestLeaderInit {
  policy?: Partial<TokenPolicy>
  dir?: string
  maxPending?: number
  requests?: LeaderServiceInit['requests']
  joinProofs?: LeaderServiceInit['joinProofs']
  /** the service's clock. @default Date.now */
  now?: () => number
  /** reuse a leader key (and realm) for a restart */
  key?: Ed25519PrivateKey
  realm?: RealmDescriptor
  listen?: string
  /** the subject policy (AUTHORIZE) */
  subjects?: LeaderServiceInit['subjects']
}

const TEST_POLICY: TokenPolicy = { mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }

/** A leader RealmNode (the realm's first member) with a started LeaderService on it. */
export async function startTestLeader (cleanup: Cleanup, init: TestLeaderInit = {}): Promise<TestLeader> {
  const key = init.key ?? await generateNodeKey()
  const realm = init.realm ?? createRealmDescriptor({ name: 'test-realm', leaderKey: key })
  const peerId = peerIdFromPrivateKey(key)
  const nodeToken = await issueNodeToken(key, { realm, subject: peerId })
  const node = await createRealmNode({
    realm,
    privateKey: key,
    nodeToken,
    bootstrap: [],
    listen: [init.listen ?? memoryAddress()],
    connections: { inboundConnectionThreshold: 1000 }
  })
  const service = new LeaderService({ node, key, realm, policy: { ...TEST_POLICY, ...init.policy }, dir: init.dir, maxPending: init.maxPending, requests: init.requests, joinProofs: init.joinProofs, now: init.now, retryAfterMs: 100, subjects: init.subjects })
  cleanup.add(async () => { await service.stop(); await node.stop() })
  await service.start()
  await node.start()
  return { node, service, key, realm, address: dialable(node) }
}

/** A started RealmNode in the realm (fresh key unless given). Listeners in `on` are attached before start. */
export async function startNode (cleanup: Cleanup, init: Partial<RealmNodeInit> & { realm: RealmDescriptor }, on: Record<string, (evt: Event) => void> = {}): Promise<RealmNode> {
  const node = await createRealmNode({
    privateKey: await generateNodeKey(),
    listen: [memoryAddress()],
    connections: { inboundConnectionThreshold: 1000 },
    backoff: { baseMs: 50, maxMs: 500 },
    ...init
  })
  for (const [event, listener] of Object.entries(on)) node.addEventListener(event as 'joined', listener)
  cleanup.add(async () => { await node.stop() })
  await node.start()
  return node
}

/** The first listen address of a node, with /p2p/<its peer id>. */
export function dialable (node: RealmNode): string {
  const address = node.libp2p.getMultiaddrs()[0]
  if (address === undefined) throw new Error('the node listens nowhere')
  const text = address.toString()
  return text.includes('/p2p/') ? text : `${text}/p2p/${node.peerId.toString()}`
}

/** Resolves with the detail of the next `event` on `target` that passes `filter`; rejects after WAIT_MS. */
export async function nextEvent<T> (target: EventTarget, event: string, filter: (detail: T) => boolean = () => true, timeoutMs = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (evt: Event): void => {
      const detail = (evt as CustomEvent<T>).detail
      if (!filter(detail)) return
      cleanup()
      resolve(detail)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`no ${event} event within ${timeoutMs} ms`))
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      target.removeEventListener(event, listener)
    }
    target.addEventListener(event, listener)
  })
}

/** Races a promise against WAIT_MS, so a test that would hang fails instead. */
export async function within<T> (promise: Promise<T>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`timed out waiting for ${what}`)) }, timeoutMs)
    })])
  } finally {
    clearTimeout(timer)
  }
}

export function leaderRequest (fields: Partial<LeaderRequest>): LeaderRequest {
  return { type: LeaderRequest.Type.TOKEN, joinProof: new Uint8Array(0), ttlSeconds: 0, attributes: new Map(), identityToken: '', requestId: '', invitationId: '', subject: '', send: false, receive: false, ...fields }
}

/** One raw leader-protocol exchange from `from` (a RealmNode, or a bare libp2p peer) to `address`: writes `request` (or raw bytes, up to `maxSize`), reads the answer. */
export async function exchange (from: { libp2p: Pick<Libp2p, 'dialProtocol'> }, address: string, request: LeaderRequest | Uint8Array, maxSize = FRAME_LIMITS.leader): Promise<LeaderResponse> {
  const signal = AbortSignal.timeout(WAIT_MS)
  const stream = await from.libp2p.dialProtocol(multiaddr(address), PROTOCOLS.leader, { signal })
  const frames = new Frames(stream, { protocol: PROTOCOLS.leader, maxSize })
  if (request instanceof Uint8Array) {
    const raw: MessageCodec<Uint8Array> = { encode: (bytes) => bytes as Uint8Array, decode: () => new Uint8Array(0) }
    await frames.write(raw, request, { signal })
  } else {
    await frames.write(LeaderRequest, request, { signal })
  }
  const response = await frames.read(LeaderResponse, { signal })
  await stream.close({ signal }).catch(() => {})
  return response
}

/** A DEFER sent on the member's admitted connection to the leader (what its Join does). */
export async function deferOnMember (member: RealmNode, leader: PeerId, identityToken: string): Promise<LeaderResponse> {
  const signal = AbortSignal.timeout(WAIT_MS)
  const stream = await member.openStream(leader, PROTOCOLS.leader, { signal })
  const frames = new Frames(stream, { protocol: PROTOCOLS.leader, maxSize: FRAME_LIMITS.leader })
  await frames.write(LeaderRequest, leaderRequest({ type: LeaderRequest.Type.DEFER, identityToken }), { signal })
  const response = await frames.read(LeaderResponse, { signal })
  await stream.close({ signal }).catch(() => {})
  return response
}
