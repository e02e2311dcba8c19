/**
 * A worker process of the multi-process testnet (forked by ./workers.ts with an IPC channel):
 * runs the nodes the parent gives it, answers the parent's requests, and reports its routing
 * tables' last change and its event loop's stalls every `reportMs`.
 *
 * It dies with its parent: the IPC channel closes when the parent exits, however it exits
 * (SIGKILL included), and the worker then exits at once without stopping its nodes.
 */
import { useSmallBufferSlabs } from '@realmesh/node'
import { WorkerRealm } from './worker-realm.js'
import { WorkerPlain } from './worker-plain.js'
import { profileFor } from './profile.js'
import { watchGc } from './worker-figures.js'
import type { Reply, Report, Request, WorkerMessage } from './protocol.js'

if (process.send == null) {
  process.stderr.write('worker.js runs as a forked child of the multi-process testnet\n')
  process.exit(2)
}
// its nodes hold thousands of peer ids and addresses: small Buffer slabs, as the CLI's nodes have
useSmallBufferSlabs()
process.on('disconnect', () => { process.exit(0) })
// libp2p internals can reject promises nobody awaits while hundreds of nodes come and go; the
// figures say what went wrong, a stray rejection must not take the worker's nodes down
process.on('unhandledRejection', () => {})

const send = (message: WorkerMessage): void => { if (process.connected) process.send?.(message) }
let realm: WorkerRealm | WorkerPlain | undefined

function ready (): WorkerRealm | WorkerPlain {
  if (realm == null) throw Object.assign(new Error('the worker has not started'), { code: 'TESTNET_WORKER_STATE' })
  return realm
}

/** the realm nodes (what subjects and durable subscriptions need: a plain node has neither) */
function realmNodes (op: string): WorkerRealm {
  const r = ready()
  if (r instanceof WorkerPlain) throw Object.assign(new Error(`plain nodes have no ${op}`), { code: 'TESTNET_UNSUPPORTED' })
  return r
}

async function handle (request: Request): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      if (realm != null) throw Object.assign(new Error('the worker started already'), { code: 'TESTNET_WORKER_STATE' })
      realm = request.init.plain === true ? new WorkerPlain(request.init) : new WorkerRealm(request.init)
      reportEvery(request.init.reportMs)
      return realm.start(request.init)
    }
    case 'startNode': await ready().startNode(request.node); return null
    case 'stopNode': await (realm instanceof WorkerPlain ? realm.stopNode(request.index) : ready().stopNode(request.index, request.abrupt)); return null
    case 'lookup': return ready().lookup(request.index, request.subject, request.timeoutMs)
    case 'health': return ready().health(request.members, request.k)
    case 'usage': return ready().usage(request.gc)
    case 'profile': return profileFor(request.windowMs, request.top)
    case 'subscribe': await realmNodes('subscribe').subscribe(request.index, request.subject); return null
    case 'publish': return realmNodes('publish').publish(request.index, request.subject, request.seq, request.timeoutMs, request.ttlMs)
    case 'durableSubscribe': await realmNodes('durableSubscribe').durableSubscribe(request.index, request.durable); return null
    case 'durableRead': return realmNodes('durableRead').durableRead(request.index, request.name, request.timeoutMs, request.registered)
    case 'received': return realmNodes('received').received(request.index, request.subject)
    case 'coordinators': return realmNodes('coordinators').coordinators(request.index, request.subject)
  }
}

/** a report every `reportMs`, with the longest gap between ticks since the last one (a stalled loop) */
function reportEvery (reportMs: number): void {
  let last = performance.now()
  let maxGapMs = 0
  const tickMs = Math.max(10, reportMs / 10)
  let sinceReport = 0
  setInterval(() => {
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    sinceReport += now - last
    last = now
    if (sinceReport < reportMs || realm == null) return
    const tables = [...realm.tableSizes.values()]
    const report: Report = {
      type: 'report',
      lastChangeAt: realm.lastChangeAt,
      changes: realm.changes,
      maxGapMs,
      joined: realm.joined,
      running: realm.nodes.size,
      minTable: tables.length === 0 ? 0 : Math.min(...tables),
      sumTable: tables.reduce((a, b) => a + b, 0)
    }
    send(report)
    sinceReport = 0
    maxGapMs = 0
  }, tickMs)
}

/** a failure's code for the parent: its own, or TESTNET_TIMEOUT for a request's time limit (a DOMException's code is a number) */
function replyCode (err: Error & { code?: unknown }): string | undefined {
  if (typeof err.code === 'string') return err.code
  if (err.name === 'TimeoutError') return 'TESTNET_TIMEOUT'
  return undefined
}

process.on('message', (message: { id: number, request: Request }) => {
  handle(message.request).then(
    (value) => { send({ type: 'reply', id: message.id, ok: true, value: value ?? null } satisfies Reply) },
    (err: Error & { code?: string }) => { send({ type: 'reply', id: message.id, ok: false, error: err.message, code: replyCode(err) } satisfies Reply) }
  )
})
watchGc()
send({ type: 'ready', pid: process.pid })
