/** What both kinds of worker (realm nodes, plain nodes) measure the same way. */
import { closestTo, fingerprint } from '@realmesh/token'
import type { NodeHealth, Usage } from './protocol.js'

/** a node's routing table against the true `k` closest of `members` (every live node, this one's included) */
export function tableHealth (node: { index: number, peerId: string, joined: boolean, members: number, table: Set<string> }, members: string[], live: Set<string>, k: number): NodeHealth {
  const self = node.peerId
  const truth = closestTo(fingerprint(self), members.filter(p => p !== self), k)
  return {
    index: node.index,
    peerId: self,
    joined: node.joined,
    routingTable: node.table.size,
    members: node.members,
    kClosestShare: truth.length === 0 ? 1 : truth.filter(p => node.table.has(p)).length / truth.length,
    stale: [...node.table].filter(p => !live.has(p)).length
  }
}

/** this process's heap, RSS (after a GC when `gc`) and CPU so far */
export function processUsage (nodes: number, gc: boolean): Usage {
  if (gc) (globalThis as { gc?: () => void }).gc?.()
  const memory = process.memoryUsage()
  const cpu = process.cpuUsage()
  return { nodes, heapUsed: memory.heapUsed, rss: memory.rss, cpuMicros: cpu.user + cpu.system, at: Date.now() }
}
