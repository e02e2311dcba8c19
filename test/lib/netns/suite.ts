/**
 * The testbed in a node:test suite:
 *
 *   const skip = await netnsSkip({ iptables: true })
 *   describeNetns('...', skip, { timeout: 60_000 }, () => {
 *     const bed = useTestbed()          // before: Testbed.create(); after: destroy()
 *     test('...', async () => { const pub = await bed().segment('pub', '10.99.0.0/24'); ... })
 *   })
 *
 * On a machine that cannot run it, the suite holds one skipped test that gives the reason (the
 * runner shows and counts it), and the reason goes to stderr too, so that a CI log without the
 * netns tests says why.
 */
import { after, before, describe, test } from 'node:test'
import { netnsUnavailable } from './support.js'
import { Testbed } from './testbed.js'
import type { Needs } from './support.js'

/** false when the testbed can run here, otherwise why not (also printed to stderr) */
export async function netnsSkip (needs: Needs = {}): Promise<string | false> {
  const reason = await netnsUnavailable(needs)
  if (reason == null) return false
  console.error(`SKIPPED: network namespace tests cannot run on this machine: ${reason}`)
  return `network namespace testbed unavailable: ${reason}`
}

/** describe(), whose body is one skipped test when `skip` says why the testbed cannot run */
export function describeNetns (name: string, skip: string | false, options: { timeout: number }, fn: () => void): void {
  describe(name, options, () => {
    if (skip === false) fn()
    else test('runs in network namespaces', { skip })
  })
}

/** a testbed made before the suite's tests and removed after them, failed or not */
export function useTestbed (): () => Testbed {
  let bed: Testbed | undefined
  before(async () => { bed = await Testbed.create() })
  after(async () => { await bed?.destroy() })
  return () => {
    if (bed == null) throw new Error('the testbed has not been made: call useTestbed() inside describe()')
    return bed
  }
}
