/**
 * What the testbed created, and its removal: every namespace is named `rmnet-<pid>-<bed>-<name>`
 * (pid: the test process that made it), and everything else a testbed makes (veth pairs, bridges,
 * addresses, routes, iptables rules) lives inside those namespaces, so removing the namespaces
 * removes all of it; nothing is created in the machine's own namespace.
 *
 * Three ways it goes: `Testbed.destroy()` (a suite's `after`); if the process exits or is
 * interrupted (SIGINT, SIGTERM) first, a synchronous sweep of what this process still holds; if it
 * was SIGKILLed, the next testbed's start removes the namespaces whose process is gone. Processes
 * still running in a namespace (a daemon of a killed run) are SIGKILLed by their pid first, so
 * that the namespace really goes.
 */
import { run, runSync } from './commands.js'

const PREFIX = 'rmnet-'
const OWN = new RegExp(`^${PREFIX}(\\d+)-`)

/** the namespaces this process created and has not removed yet */
const live = new Set<string>()
let hooked = false

export function namespaceName (bed: number, name: string): string {
  return `${PREFIX}${process.pid}-${bed}-${name}`
}

/** records a namespace just created, so that an exit or a signal removes it */
export function track (ns: string): void {
  live.add(ns)
  if (hooked) return
  hooked = true
  process.once('exit', removeAllSync)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      removeAllSync()
      // nobody else handles it: die of it, as the process would have without this handler
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal)
        process.kill(process.pid, signal)
      }
    }
    process.on(signal, onSignal)
  }
}

/** removes a namespace of ours: SIGKILL what runs in it, then delete it */
export async function removeNamespace (ns: string): Promise<void> {
  killPids(await run('ip', ['netns', 'pids', ns]).catch(() => ''))
  await run('ip', ['netns', 'delete', ns]).catch((err: unknown) => {
    if (!String(err).includes('No such file')) throw err
  })
  live.delete(ns)
}

/**
 * Removes the namespaces left by test processes that no longer run (a SIGKILLed run, a crash);
 * namespaces of processes alive (another test file running now) are left alone. Resolves with
 * what it removed.
 */
export async function sweepLeftovers (): Promise<string[]> {
  const removed: string[] = []
  for (const ns of await listNamespaces()) {
    const pid = OWN.exec(ns)?.[1]
    if (pid == null || alive(Number(pid))) continue
    await removeNamespace(ns)
    removed.push(ns)
  }
  return removed
}

async function listNamespaces (): Promise<string[]> {
  // one namespace a line: `NAME` or `NAME (id: N)`
  return (await run('ip', ['netns', 'list'])).split('\n').map(line => line.split(' ')[0] ?? '').filter(name => name.startsWith(PREFIX))
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function killPids (list: string): void {
  for (const pid of list.split('\n').map(Number).filter(p => Number.isInteger(p) && p > 0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // it ended meanwhile
    }
  }
}

function removeAllSync (): void {
  for (const ns of live) {
    try {
      killPids(runSync('ip', ['netns', 'pids', ns]))
      runSync('ip', ['netns', 'delete', ns])
    } catch {
      // exiting: nothing to report to; the next testbed's sweep tries again
    }
    live.delete(ns)
  }
}
