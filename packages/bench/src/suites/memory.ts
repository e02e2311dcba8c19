/** Suite 5, memory per node at N = 100: heap and RSS after the network settled, after GC. */
import { networkJob } from '../config.js'
import { MIB, networkResult } from './network-results.js'
import { notes, row } from './suite.js'
import type { Suite } from './suite.js'

export const memorySuite: Suite = {
  name: 'memory',
  title: 'Memory per node',
  describe: 'In the process that holds the N nodes (nothing else), after the routing tables settled and after GC (node --expose-gc, four gc() calls): heap used and RSS minus the same figures taken before the first node started, divided by N. realmesh nodes include the realm leader\'s LeaderService (one of the N); plain nodes run libp2p with the same transports, encryption, muxer, identify, ping and kad-dht.',
  jobs: (config) => [networkJob(config, 'realmesh', config.memorySize), networkJob(config, 'plain', config.memorySize)],
  rows: (ctx) => {
    const n = ctx.config.memorySize
    const ours = networkResult(ctx, 'realmesh', n)
    const base = networkResult(ctx, 'plain', n)
    const note = notes(ours.failure, base.failure, ours.result?.memory.gc === false && 'gc() not exposed: figures include garbage')
    return [
      row({ suite: 'memory', name: 'memory: heap per node', unit: 'MiB', ours: perNode(ours.result?.memory.heapPerNode), baseline: perNode(base.result?.memory.heapPerNode), betterIs: 'lower', n, target: 1.3, note }),
      row({ suite: 'memory', name: 'memory: RSS per node', unit: 'MiB', ours: perNode(ours.result?.memory.rssPerNode), baseline: perNode(base.result?.memory.rssPerNode), betterIs: 'lower', n, target: 1.3, note })
    ]
  }
}

export function perNode (bytes: number | undefined): number | null {
  return bytes == null ? null : bytes / MIB
}
