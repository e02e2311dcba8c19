/**
 * What a daemon says about its realm node on stderr, one line per event: members joining and
 * leaving, bootstrap retries, refusals, tokens, sleeping and waking.
 */
import { decodeTokenUnverified, leaderPeerId } from '@realmesh/token'
import { formatMs } from '../duration.js'
import { plural } from '../format.js'
import type { RealmNode, RealmNodeEvents } from '@realmesh/node'
import type { Logger } from '../log/logger.js'

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
export function logMembers (node: RealmNode, log: Logger): () => void {
  return listen(node, {
    'peer:banned': (evt) => {
      const { peer, until, reason } = evt.detail
      log.warn('peer.banned', `banned ${peer} until ${new Date(until).toISOString()}: ${reason}`, { peer, until: new Date(until).toISOString(), reason })
    },
    'peer:joined': (evt) => {
      const members = node.members().length
      log.info('member.joined', `member joined ${evt.detail.peer} (${plural(members, 'member')})`, { peer: evt.detail.peer, members })
    },
    'addresses:changed': (evt) => {
      const { addrs, missing } = evt.detail
      log.info('addresses.changed', `addresses changed: announcing ${addrs.length === 0 ? 'none' : addrs.join(' ')}${missing.length === 0 ? '' : ` (on no interface now, left out until back: ${missing.join(' ')})`}`, { addrs, missing })
    },
    'peer:left': (evt) => {
      const { peer, reason, code } = evt.detail
      const members = node.members().length
      log.info('member.left', `member left ${peer}: ${reason}${code == null ? '' : ` ${code}`} (${plural(members, 'member')})`, { peer, reason, code, members })
    },
    'reachability:changed': (evt) => {
      const observed = node.status().nat.observed
      log.info('reachability', `reachability ${evt.detail}${observed.length === 0 ? '' : ` (members see this node at ${observed.join(' ')})`}`, { reachability: evt.detail, observed })
    }
  })
}

/** retries, deferrals, refusals of single peers, tokens (node daemon) */
export function logBootstrap (node: RealmNode, log: Logger): () => void {
  const leader = leaderPeerId(node.realm).toString()
  const pendingShown = new Set<string>()
  return listen(node, {
    'bootstrap:retry': (evt) => {
      const { address, attempt, delayMs, code, error } = evt.detail
      const who = address.includes(leader) ? 'leader' : `bootstrap ${address}`
      log.warn('bootstrap.retry', `${who}${retryReason(code, error)} (${code}): retrying in ${formatMs(delayMs)}, attempt ${attempt}`, { address, code, error, attempt, delayMs })
    },
    rejoin: (evt) => {
      const n = evt.detail.addresses
      log.warn('rejoin', `lost every member: joining again through ${n} ${n === 1 ? 'address' : 'addresses'}`, { addresses: n })
    },
    'join:deferred': (evt) => {
      const { peer, retryAfterMs } = evt.detail
      log.info('join.deferred', `join deferred by ${peer} to the realm leader: retrying in ${formatMs(retryAfterMs)}`, { peer, retryAfterMs })
    },
    'join:refused': (evt) => {
      const { peer, code, reason, byRemote } = evt.detail
      // before the node joined, a refusal by the remote is reported once, by bootstrap:failed
      if (byRemote && !node.joined) return
      const fields = { peer, code, reason, byRemote }
      if (TRANSIENT_CODES.has(code)) log.info('join.failed', `join with ${peer} failed (${code}): ${reason}`, fields)
      else log.warn('join.refused', byRemote ? `refused by ${peer}: ${code} (${reason})` : `refused ${peer}: ${code} (${reason})`, fields)
    },
    'token:pending': (evt) => {
      const id = evt.detail.requestId
      if (pendingShown.has(id) || pendingShown.size > 100) return
      pendingShown.add(id)
      log.info('token.pending', `waiting for approval: token request ${id} is pending at the leader (there: realmesh leader approve ${id} --dir LEADER_DIR)`, { requestId: id })
    },
    token: (evt) => { log.info('token.received', `token received from the leader${expiry(evt.detail)}`) },
    'token:renewal-failed': (evt) => {
      const { code, error, retryInMs } = evt.detail
      log.warn('token.renewal-failed', `renewing the node token failed (${code}): ${error}; ${retryInMs == null ? 'it expires before another try: ask the operator for a new one' : `retrying in ${formatMs(retryInMs)}`}`, { code, error, retryInMs })
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
export function logSubjects (node: RealmNode, log: Logger): () => void {
  return listen(node, {
    'subject:matched': (evt) => {
      const { subject, peer, identity, role } = evt.detail
      log.info('subject.matched', `subject ${subject} matched with ${role} ${identity}${identity === peer ? '' : ` at ${peer}`}`, { subject, role, identity, peer })
    }
  })
}

/** this node falling asleep and waking on its wake schedule, and its sleepy members doing so (node daemon) */
export function logSleep (node: RealmNode, log: Logger): () => void {
  const at = (ms: number): string => new Date(ms).toISOString()
  return listen(node, {
    'sleep:asleep': (evt) => { log.info('sleep.asleep', `asleep until ${at(evt.detail.wakesAt)}`, { wakesAt: at(evt.detail.wakesAt) }) },
    'sleep:awake': (evt) => { log.info('sleep.awake', `awake (${evt.detail.reason === 'data' ? 'data to send' : 'wake window'}) until ${at(evt.detail.sleepsAt)}`, { reason: evt.detail.reason, sleepsAt: at(evt.detail.sleepsAt) }) },
    'peer:asleep': (evt) => { log.info('member.asleep', `member asleep ${evt.detail.peer} until ${at(evt.detail.wakesAt)}`, { peer: evt.detail.peer, wakesAt: at(evt.detail.wakesAt) }) },
    'peer:awake': (evt) => { log.info('member.awake', `member awake ${evt.detail.peer}`, { peer: evt.detail.peer }) }
  })
}

/**
 * What the outbox held at start and what became of it: a line when the start found messages, one
 * per message that was not delivered to every receiver, and one when the last of them is settled.
 */
export function logOutbox (node: RealmNode, log: Logger): () => void {
  let restored = 0
  let settled = 0
  let failed = 0
  return listen(node, {
    'outbox:restored': (evt) => {
      const { messages, subjects, expired, unreadable } = evt.detail
      restored = messages
      const dropped = [expired > 0 ? `${expired} expired while it was stopped` : '', unreadable > 0 ? `${unreadable} unreadable` : ''].filter(s => s !== '')
      log.info('outbox.restored', `outbox: ${plural(messages, 'message')} on ${plural(subjects, 'subject')} not yet acked by every receiver go out again once joined${dropped.length === 0 ? '' : ` (dropped: ${dropped.join(', ')})`}`, { messages, subjects, expired, unreadable })
    },
    'outbox:settled': (evt) => {
      const { subject, id, results = [], code } = evt.detail
      const missed = results.filter(r => r.status !== 'delivered' && r.status !== 'relayed')
      settled++
      if (results.length === 0 || missed.length > 0) {
        failed++
        log.warn('outbox.undelivered', `outbox: message ${id} on ${subject} not delivered: ${results.length === 0 ? (code ?? 'MESSAGE_EXPIRED') : missed.map(r => `${r.status} ${r.receiver}${r.code == null ? '' : ` (${r.code})`}`).join(', ')}`, { id, subject, code })
      }
      if (settled === restored) log.info('outbox.settled', `outbox: the ${plural(restored, 'message')} kept from the last run are settled: ${restored - failed} delivered to every receiver, ${failed} not`, { delivered: restored - failed, failed })
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
