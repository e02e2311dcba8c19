/**
 * Suite 1, join: N nodes (25, 50, 100) start from one bootstrap (realmesh: the realm leader;
 * plain: a plain node) until routing tables settle (src/settle.ts), on the memory transport.
 */
import { networkJob, settleTimeoutMs } from '../config.js'
import { networkResult, settleTrouble } from './network-results.js'
import { notes, row } from './suite.js'
import type { Row, Suite } from './suite.js'

export const joinSuite: Suite = {
  name: 'join',
  title: 'Join',
  describe: 'N nodes start all at once and join through one bootstrap node: realmesh nodes through the realm leader (handshake, join, NLIST/UPDATE growth, kad-dht on the realm protocol), once every node has started; plain nodes by dialling a plain bootstrap node as each starts (kad-dht fills the table). Times run from starting the first node. "Settled": every routing table holds a peer, the mean table at least 10 (half of k; N - 1 when smaller), and none changed for 30 s (5 s in a quick run); the time is that of the last change. "Neighbourhood held" is the share of each node\'s true 20 closest peers (by XOR distance) in its routing table at that moment; connections are the open libp2p connections per node then (both directions count). When a network has not settled by the time limit (60 s + the quiet window + 2 s per node from the first start, at most 420 s; 60 s in a quick run), its settle time is not measured and the other figures are taken at the time limit.',
  jobs: (config) => config.joinSizes.flatMap(n => [networkJob(config, 'realmesh', n), networkJob(config, 'plain', n)]),
  rows: (ctx) => ctx.config.joinSizes.flatMap((n): Row[] => {
    const ours = networkResult(ctx, 'realmesh', n)
    const base = networkResult(ctx, 'plain', n)
    const failed = notes(ours.failure, base.failure)
    const timeout = settleTimeoutMs(n, ctx.config.quietMs, ctx.config.settleCapMs)
    return [
      row({
        suite: 'join',
        name: `join: every routing table holds a peer (N=${n})`,
        unit: 'ms',
        ours: ours.result?.join.allInMs ?? null,
        baseline: base.result?.join.allInMs ?? null,
        betterIs: 'lower',
        n,
        note: failed
      }),
      row({
        suite: 'join',
        name: `join: routing tables settled (N=${n})`,
        unit: 'ms',
        ours: ours.result?.join.settledMs ?? null,
        baseline: base.result?.join.settledMs ?? null,
        betterIs: 'lower',
        n,
        target: 1.5,
        note: notes(failed, settleTrouble('realmesh', ours.result, timeout), settleTrouble('plain', base.result, timeout))
      }),
      row({
        suite: 'join',
        name: `join: connections per node at settle (N=${n})`,
        unit: 'connections',
        ours: ours.result?.join.connections ?? null,
        baseline: base.result?.join.connections ?? null,
        betterIs: 'lower',
        n,
        note: failed
      }),
      row({
        suite: 'join',
        name: `join: neighbourhood held at settle (N=${n})`,
        unit: 'share',
        ours: ours.result?.join.quality ?? null,
        baseline: base.result?.join.quality ?? null,
        betterIs: 'higher',
        n,
        note: failed
      })
    ]
  })
}
