export { createTestnet } from './testnet.js'
export type { Testnet, TestnetInit, TestnetLeader } from './testnet.js'
// waiting helpers live in @realmesh/node; re-exported for tests written against the testnet
export { until, nextEvent } from '@realmesh/node'
export type { UntilOptions, EventSource } from '@realmesh/node'
