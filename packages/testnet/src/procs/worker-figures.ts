/** What both kinds of worker (realm nodes, plain nodes) measure the same way. */
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { closestTo, fingerprint } from '@realmesh/token'
import type { GcTimes, NodeHealth, Usage } from './protocol.js'

const gcMs: GcTimes = { minor: 0, major: 0, incremental: 0, weak: 0 }
let gcWatch: PerformanceObserver | undefined

/** starts counting the main thread's GC pauses by kind (once per process) */
export function watchGc (): void {
  if (gcWatch != null) return
  gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcMs.minor += entry.duration
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcMs.major += entry.duration
      else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) gcMs.incremental += entry.duration
      else gcMs.weak += entry.duration
    }
  })
  gcWatch.observe({ entryTypes: ['gc'] })
}

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

/**
 * this process's CPU so far, then its heap and RSS (after a GC when `gc`). The CPU is read first:
 * a forced full GC of a worker's heap (150 MiB for 50 nodes) costs 0.5 s or more of CPU, which
 * counted in the window at rest when it came after (a realm of 100's 30 s window read 1.0 ms per
 * member per second instead of the 0.5 that /proc showed for the same processes just before).
 */
export function processUsage (nodes: number, gc: boolean): Usage {
  const cpu = process.cpuUsage()
  const at = Date.now()
  // read with the CPU, before the forced GC below
  const gcNow = { ...gcMs }
  if (gc) (globalThis as { gc?: () => void }).gc?.()
  const memory = process.memoryUsage()
  return { nodes, heapUsed: memory.heapUsed, rss: memory.rss, cpuMicros: cpu.user + cpu.system, gcMs: gcNow, at }
}
