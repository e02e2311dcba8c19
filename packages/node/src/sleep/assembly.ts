/**
 * Sleepy members wired to a RealmNode: every node watches its sleepy members (SleepWatch), and a
 * node with a wake schedule sleeps on it (Sleeper). Both speak on the peers protocol (SLEEP,
 * AVAIL) and reach into messaging only to hold a sleeping receiver's messages and to let them go
 * when it wakes. Kept out of realm-node.ts, which only calls this.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { PROTOCOLS, PeersRequest } from '@realmesh/wire'
import { SleepWatch } from './sleep-watch.js'
import { Sleeper } from './sleeper.js'
import { awakeAt, fromWire, nextWindowStart } from './schedule.js'
import type { SleepInit, WakeSchedule } from './schedule.js'
import type { SleepWatchInit } from './sleep-watch.js'
import type { WakeReason } from './sleeper.js'
import type { Membership } from '../membership/membership.js'
import type { Messaging } from '../messaging/messaging.js'
import type { Peers } from '../peers/peers.js'
import type { VerifiedInterest } from '../subjects/interest-verifier.js'
import type { RealmLibp2p } from '../libp2p.js'
import type { AbortOptions, Connection, PeerId, Stream } from '@libp2p/interface'

export interface SleepEvents {
  /** this node fell asleep on its schedule; it wakes at `wakesAt` (ms) at the latest */
  'sleep:asleep': { wakesAt: number }
  /** this node woke (its window, or data to send with wakeOnData); it means to sleep at `sleepsAt` (ms) */
  'sleep:awake': { reason: WakeReason, sleepsAt: number }
  /** a sleepy member fell asleep on its schedule: it stays a member, and its messages are held until `wakesAt` */
  'peer:asleep': { peer: string, wakesAt: number }
  /** a sleepy member is awake again (it connected, or announced itself): what was held for it goes now */
  'peer:awake': { peer: string }
}

export interface SleepContext {
  /** this node's schedule (validated: scheduleOf), with the rest of RealmNodeInit.sleep */
  schedule?: WakeSchedule
  sleep?: SleepInit
  sleepyMembers?: SleepWatchInit
  membership: Membership
  libp2p: RealmLibp2p
  peers: Peers
  messaging: () => Messaging
  now: () => number
  /** whether the node has joined the realm (it does not fall asleep before, within its bound) */
  joined: () => boolean
  isAdmitted: (connection: Connection) => boolean
  openStream: (peer: PeerId, protocol: string, options: AbortOptions) => Promise<Stream>
  /** ends a member's membership (it missed its wake windows) */
  end: (peer: PeerId, code: string, text: string) => void
  /** what this node holds for sleeping receivers goes to the coordinators, before it sleeps */
  beforeSleep: () => Promise<void>
  /** stops what dials or probes by itself while this node sleeps */
  pause: () => void
  /** starts it again at a wake, and what fell due meanwhile */
  resume: () => void
  emit: <K extends keyof SleepEvents>(type: K, detail: SleepEvents[K]) => void
}

export interface SleepLayer {
  watch: SleepWatch
  /** only on a node with a wake schedule */
  sleeper?: Sleeper
  /** ms to hold a receiver's messages for (it sleeps on its schedule), or undefined to send now */
  hold: (receiver: VerifiedInterest) => number | undefined
  /** this node's last connection to `peer` closed: whether the membership stays (one of the two sleeps) */
  sleeps: (peer: PeerId) => boolean
}

/** members told NODE-AVAIL at once after a wake; the rest wait their turn */
const ANNOUNCE_CONCURRENCY = 16
/** how long SLEEP to the members may take before the connections close, ms */
const GOODNIGHT_MS = 1_000

export function assembleSleep (ctx: SleepContext): SleepLayer {
  const { membership, libp2p } = ctx
  const admittedTo = (peer: string): boolean => libp2p.getConnections(peerIdFromString(peer)).some(c => ctx.isAdmitted(c))
  const watch = new SleepWatch({
    membership,
    now: ctx.now,
    connected: admittedTo,
    drop: (peer, code, text) => { ctx.end(peerIdFromString(peer), code, text) },
    asleep: (peer, wakesAt) => { ctx.emit('peer:asleep', { peer, wakesAt }) },
    awake: (peer) => {
      ctx.messaging().receiverAwake(peer)
      ctx.emit('peer:awake', { peer })
    }
  }, ctx.sleepyMembers)
  const sleeper = ctx.schedule == null ? undefined : new Sleeper({
    schedule: ctx.schedule,
    now: ctx.now,
    beforeSleep: ctx.beforeSleep,
    pause: ctx.pause,
    resume: () => {
      ctx.resume()
      ctx.messaging().receiverAwake()
    },
    goodnight: async () => {
      const signal = AbortSignal.timeout(GOODNIGHT_MS)
      await tellMembers(ctx, PeersRequest.Type.SLEEP, signal)
      await Promise.allSettled(libp2p.getConnections().map(async (c) => c.close({ signal: AbortSignal.timeout(GOODNIGHT_MS) }).catch((err: Error) => { c.abort(err) })))
    },
    announce: async (signal, onPending) => { await announce(ctx, signal, onPending) },
    busy: () => !ctx.joined() || ctx.messaging().sending(),
    asleep: (wakesAt) => { ctx.emit('sleep:asleep', { wakesAt }) },
    awake: (detail) => { ctx.emit('sleep:awake', detail) }
  }, ctx.sleep ?? {})
  const hold = (receiver: VerifiedInterest): number | undefined => {
    // this node sleeps: its own messages wait for its wake (which lets them go)
    if (sleeper?.quiet === true) return sleeper.status().until - ctx.now()
    const wakesIn = watch.wakesIn(receiver.nodeId)
    if (wakesIn != null || membership.has(receiver.nodeId)) return wakesIn
    // a receiver this node has not met yet: its record (signed, in its MATCH) says when it sleeps
    const schedule = fromWire(receiver.record?.wake)
    const now = ctx.now()
    return schedule == null || awakeAt(schedule, now) ? undefined : nextWindowStart(schedule, now) - now
  }
  return {
    watch,
    sleeper,
    hold,
    sleeps: (peer) => sleeper?.quiet === true || watch.disconnected(peer.toString())
  }
}

/** `type` (SLEEP) to every member on an admitted connection, best effort within `signal` */
async function tellMembers (ctx: SleepContext, type: PeersRequest.Type, signal: AbortSignal): Promise<void> {
  const connections = ctx.libp2p.getConnections().filter(c => ctx.isAdmitted(c) && ctx.membership.has(c.remotePeer))
  await Promise.allSettled(connections.map(async (c) => ctx.peers.send(async (o) => c.newStream(PROTOCOLS.peers, o), { type }, { signal })))
}

/**
 * NODE-AVAIL to every member (dialled and admitted again first), `ANNOUNCE_CONCURRENCY` at a
 * time; `onPending` hears of each that answered that it holds messages for this node.
 */
async function announce (ctx: SleepContext, signal: AbortSignal, onPending: () => void): Promise<void> {
  const members = ctx.membership.list()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < members.length && !signal.aborted) {
      const member = members[next++]
      if (member == null) return
      try {
        const response = await ctx.peers.exchange(async (o) => ctx.openStream(member.peerId, PROTOCOLS.peers, o), { type: PeersRequest.Type.AVAIL }, { signal })
        if (response.pending === true) onPending()
      } catch {
        // unreachable now: liveness finds out whether it is gone
      }
    }
  }
  await Promise.all(Array.from({ length: ANNOUNCE_CONCURRENCY }, worker))
}
