/**
 * @realmesh/sim: realmesh's membership, join-decision and coordinator code over a simulated
 * network and clock, in one process (README.md says what runs for real and what is simulated).
 */
export { Simulation } from './simulation.js'
export { Random } from './random.js'
export type { SimulationInit } from './simulation.js'
export { SimClock } from './clock.js'
export { SimNetwork, SimUnreachableError } from './network.js'
export { SimNode } from './sim-node.js'
export type { SimNodeInit, SimStream } from './sim-node.js'
export { Keyspace } from './keyspace.js'
export { simulatedDht } from './dht.js'
export type { WalkStats } from './dht.js'
export { convergence, lookups, lookupFrom, trueCoordinators, keyspaceOf, whileRunning, SIM_REALM_ID } from './measure.js'
export type { Convergence, LookupFigures } from './measure.js'
export { stability } from './stability.js'
export type { Stability, StabilityInit, ChurnFigures } from './stability.js'
export { runScenario } from './run.js'
export type { ScenarioInit, SimReport } from './run.js'
export { summary, markdownTable, charts } from './report.js'
