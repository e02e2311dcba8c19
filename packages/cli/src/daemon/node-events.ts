/**
 * What a daemon says about its realm node on stderr, one line per event: members joining and
 * leaving, bootstrap retries, refusals, tokens, sleeping and waking.
 */
import { decodeTokenUnverified, leaderPeerId } from '@realmesh/token'
import { formatMs } from '../duration.js'
import { plural } from '../format.js'
import type { RealmNode, RealmNodeEvents } from '@realmesh/node'
import type { Io } from '../io.js'

/** failures that are not a verdict on either side (a race, a slow peer): not worded as refusals */
const TRANSIENT_CODES = new Set(['STREAM_CLOSED', 'STREAM_TIMEOUT', 'HANDSHAKE_TIMEOUT', 'BUSY', 'RATE_LIMITED'])

type Listeners = { [K in keyof RealmNodeEvents]?: (evt: RealmNodeEvents[K]) => void }

/** Adds the listeners; returns a function that removes them. */
export function listen (node: RealmNode, listeners: Listeners): () => void {
  const added: Array<() => void> = []
  for (const [type, listener] of Object.entries(listeners) as Array<[keyof RealmNodeEvents, (evt: Event) => void]>) {
    node.addEventListener(type, listener)
    added.push(() => { node.removeEventListener(type, listener) })
  }
  return () => { for (const remove of added) remove() }
}

/** member joined / left lines, this node announcing new addresses, its reachability (both daemons) */
export function logMembers (node: RealmNode, io: Io): () => void {
  return listen(node, {
    'peer:banned': (evt) => { io.err(`banned ${evt.detail.peer} until ${new Date(evt.detail.until).toISOString()}: ${evt.detail.reason}`) },
    'peer:joined': (evt) => { io.err(`member joined ${evt.detail.peer} (${plural(node.members().length, 'member')})`) },
    'addresses:changed': (evt) => {
      const { addrs, missing } = evt.detail
      io.err(`addresses changed: announcing ${addrs.length === 0 ? 'none' : addrs.join(' ')}${missing.length === 0 ? '' : ` (on no interface now, left out until back: ${missing.join(' ')})`}`)
    },
    'peer:left': (evt) => {
      const { peer, reason, code } = evt.detail
      io.err(`member left ${peer}: ${reason}${code == null ? '' : ` ${code}`} (${plural(node.members().length, 'member')})`)
    },
    'reachability:changed': (evt) => {
      const observed = node.status().nat.observed
      io.err(`reachability ${evt.detail}${observed.length === 0 ? '' : ` (members see this node at ${observed.join(' ')})`}`)
    }
  })
}

/** retries, deferrals, refusals of single peers, tokens (node daemon) */
export function logBootstrap (node: RealmNode, io: Io): () => void {
  const leader = leaderPeerId(node.realm).toString()
  const pendingShown = new Set<string>()
  return listen(node, {
    'bootstrap:retry': (evt) => {
      const { address, attempt, delayMs, code, error } = evt.detail
      const who = address.includes(leader) ? 'leader' : `bootstrap ${address}`
      io.err(`${who}${retryReason(code, error)} (${code}): retrying in ${formatMs(delayMs)}, attempt ${attempt}`)
    },
    rejoin: (evt) => {
      const n = evt.detail.addresses
      io.err(`lost every member: joining again through ${n} ${n === 1 ? 'address' : 'addresses'}`)
    },
    'join:deferred': (evt) => {
      io.err(`join deferred by ${evt.detail.peer} to the realm leader: retrying in ${formatMs(evt.detail.retryAfterMs)}`)
    },
    'join:refused': (evt) => {
      const { peer, code, reason, byRemote } = evt.detail
      // before the node joined, a refusal by the remote is reported once, by bootstrap:failed
      if (byRemote && !node.joined) return
      if (TRANSIENT_CODES.has(code)) io.err(`join with ${peer} failed (${code}): ${reason}`)
      else io.err(byRemote ? `refused by ${peer}: ${code} (${reason})` : `refused ${peer}: ${code} (${reason})`)
    },
    'token:pending': (evt) => {
      const id = evt.detail.requestId
      if (pendingShown.has(id) || pendingShown.size > 100) return
      pendingShown.add(id)
      io.err(`waiting for approval: token request ${id} is pending at the leader (there: realmesh leader approve ${id} --dir LEADER_DIR)`)
    },
    token: (evt) => { io.err(`token received from the leader${expiry(evt.detail)}`) },
    'token:renewal-failed': (evt) => {
      const { code, error, retryInMs } = evt.detail
      io.err(`renewing the node token failed (${code}): ${error}; ${retryInMs == null ? 'it expires before another try: ask the operator for a new one' : `retrying in ${formatMs(retryInMs)}`}`)
    }
  })
}

/** what went wrong with a bootstrap address, for the retry line: only a dial failure is "unreachable" */
function retryReason (code: string, error: string): string {
  // the peer answered, as someone else: the address names the wrong peer id (error says who answered)
  if (code === 'PEER_ID_MISMATCH') return `: ${error}`
  // it answered, and the connection closed before handshake and join completed on it
  if (code === 'NOT_A_MEMBER') return ': admission did not complete'
  return ' unreachable'
}

function expiry (token: string): string {
  try {
    const { exp } = decodeTokenUnverified(token).claims as { exp?: unknown }
    return typeof exp === 'number' ? ` (expires ${new Date(exp * 1000).toISOString()})` : ''
  } catch {
    return ''
  }
}

/** subject matches (both daemons) */
export function logSubjects (node: RealmNode, io: Io): () => void {
  return listen(node, {
    'subject:matched': (evt) => {
      const { subject, peer, identity, role } = evt.detail
      io.err(`subject ${subject} matched with ${role} ${identity}${identity === peer ? '' : ` at ${peer}`}`)
    }
  })
}

/** this node falling asleep and waking on its wake schedule, and its sleepy members doing so (node daemon) */
export function logSleep (node: RealmNode, io: Io): () => void {
  const at = (ms: number): string => new Date(ms).toISOString()
  return listen(node, {
    'sleep:asleep': (evt) => { io.err(`asleep until ${at(evt.detail.wakesAt)}`) },
    'sleep:awake': (evt) => { io.err(`awake (${evt.detail.reason === 'data' ? 'data to send' : 'wake window'}) until ${at(evt.detail.sleepsAt)}`) },
    'peer:asleep': (evt) => { io.err(`member asleep ${evt.detail.peer} until ${at(evt.detail.wakesAt)}`) },
    'peer:awake': (evt) => { io.err(`member awake ${evt.detail.peer}`) }
  })
}

/**
 * What the outbox held at start and what became of it: a line when the start found messages, one
 * per message that was not delivered to every receiver, and one when the last of them is settled.
 */
export function logOutbox (node: RealmNode, io: Io): () => void {
  let restored = 0
  let settled = 0
  let failed = 0
  return listen(node, {
    'outbox:restored': (evt) => {
      const { messages, subjects, expired, unreadable } = evt.detail
      restored = messages
      const dropped = [expired > 0 ? `${expired} expired while it was stopped` : '', unreadable > 0 ? `${unreadable} unreadable` : ''].filter(s => s !== '')
      io.err(`outbox: ${plural(messages, 'message')} on ${plural(subjects, 'subject')} not yet acked by every receiver go out again once joined${dropped.length === 0 ? '' : ` (dropped: ${dropped.join(', ')})`}`)
    },
    'outbox:settled': (evt) => {
      const { subject, id, results = [], code } = evt.detail
      const missed = results.filter(r => r.status !== 'delivered' && r.status !== 'relayed')
      settled++
      if (results.length === 0 || missed.length > 0) {
        failed++
        io.err(`outbox: message ${id} on ${subject} not delivered: ${results.length === 0 ? (code ?? 'MESSAGE_EXPIRED') : missed.map(r => `${r.status} ${r.receiver}${r.code == null ? '' : ` (${r.code})`}`).join(', ')}`)
      }
      if (settled === restored) io.err(`outbox: the ${plural(restored, 'message')} kept from the last run are settled: ${restored - failed} delivered to every receiver, ${failed} not`)
    }
  })
}

/**
 * A daemon answers direct requests (`realmesh send`) with the data it got: a round trip through
 * the realm that needs no application. An application embedding @realmesh/node sets its own.
 */
export function echoRequests (node: RealmNode): void {
  node.onRequest(({ data }) => data)
}
