/**
 * Where a worker's CPU goes: V8's sampling profiler (node:inspector) over a window, summed by
 * function (self time), the heaviest first. The multi-process testnet asks every worker for it
 * during a window at rest, to see what an idle member spends its CPU on.
 */
import { Session } from 'node:inspector/promises'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface ProfileEntry {
  /** `function (file:line)`, the file shortened to its package path */
  where: string
  /** self time in the window (ms) */
  selfMs: number
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
interface CpuProfile { nodes: ProfileNode[], startTime: number, endTime: number, samples?: number[] }

export async function profileFor (windowMs: number, top: number, signal?: AbortSignal): Promise<ProfileEntry[]> {
  const session = new Session()
  session.connect()
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, windowMs)
      signal?.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
    })
    const { profile } = await session.post('Profiler.stop') as { profile: CpuProfile }
    // the whole profile too, for a look at call trees (Chrome's DevTools opens it), when asked for
    const dir = process.env.REALMESH_PROFILE_DIR
    if (dir != null && dir !== '') await writeFile(join(dir, `worker-${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(profile)).catch(() => {})
    return summarize(profile, top)
  } finally {
    session.disconnect()
  }
}

/** self time per function: the profile's samples spread its duration evenly over the sampled nodes */
function summarize (profile: CpuProfile, top: number): ProfileEntry[] {
  const hits = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0)
  const msPerHit = hits === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / hits
  const byWhere = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const file = url.replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^.*\/packages\//, '')
    const where = `${functionName === '' ? '(anonymous)' : functionName} (${file === '' ? 'native' : `${file}:${lineNumber + 1}`})`
    byWhere.set(where, (byWhere.get(where) ?? 0) + (node.hitCount ?? 0) * msPerHit)
  }
  return [...byWhere].map(([where, selfMs]) => ({ where, selfMs })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
}
