/**
 * Coordinator stability: how many of a fixed set of subjects get another coordinator set when one
 * member joins, or one leaves, and whether realmesh's lookups (from random members, after the
 * realm is quiet again) then name the new set.
 */
import { keyspaceOf, lookupFrom, trueCoordinators, whileRunning } from './measure.js'
import type { Simulation } from './simulation.js'
import type { SimNode } from './sim-node.js'

export interface ChurnFigures {
  /** subjects whose true coordinator set changed */
  changed: number
  /** what a uniform key space predicts: subjects × R / N */
  expected: number
  /** lookups made for changed subjects (at most `checks`) */
  checked: number
  /** of those, lookups that named exactly the new true set */
  lookupsAgree: number
  /** simulated seconds until no table changed for the quiet window */
  settleSeconds: number
  settled: boolean
}

export interface Stability {
  subjects: number
  coordinators: number
  join: ChurnFigures
  leave: ChurnFigures
}

export interface StabilityInit {
  subjects: number
  coordinators: number
  /** lookups made for changed subjects after each change */
  checks: number
  quietMs: number
  maxSettleMs: number
}

export async function stability (sim: Simulation, init: StabilityInit, progress: (line: string) => void = () => {}): Promise<Stability> {
  const names = Array.from({ length: init.subjects }, (_, i) => `stable-${i}`)
  const join = await change(sim, names, init, () => { sim.join() })
  progress(`a join moved ${join.changed} subjects (expected ${join.expected.toFixed(1)}), lookups agree ${join.lookupsAgree}/${join.checked}; now a leave`)
  const leave = await change(sim, names, init, () => {
    // the first coordinator of the first subject leaves: at least one subject must move
    const space = keyspaceOf(sim)
    const leaving = sim.get(trueCoordinators(space, names[0] as string, 1)[0] as string) as SimNode
    sim.kill(leaving)
  })
  return { subjects: init.subjects, coordinators: init.coordinators, join, leave }
}

async function change (sim: Simulation, names: string[], init: StabilityInit, act: () => void): Promise<ChurnFigures> {
  const before = coordinatorsOf(sim, names, init.coordinators)
  act()
  const started = sim.clock.now()
  const settled = await sim.settle(init.quietMs, init.maxSettleMs)
  const settleSeconds = (sim.clock.now() - started) / 1000
  const after = coordinatorsOf(sim, names, init.coordinators)
  const changed = names.filter(n => before.get(n) !== after.get(n))
  const members = sim.members()
  const checks = changed.slice(0, init.checks).map(async (subject) => {
    const from = members[sim.random.int(members.length)] as SimNode
    const { found } = await lookupFrom(sim, from, subject, init.coordinators)
    return found.join() === after.get(subject)
  })
  const agree = await whileRunning(sim, checks)
  return {
    changed: changed.length,
    expected: names.length * init.coordinators / members.length,
    checked: checks.length,
    lookupsAgree: agree.filter(Boolean).length,
    settleSeconds,
    settled
  }
}

function coordinatorsOf (sim: Simulation, names: string[], count: number): Map<string, string> {
  const space = keyspaceOf(sim)
  return new Map(names.map(n => [n, trueCoordinators(space, n, count).join()]))
}
