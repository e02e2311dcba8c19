import { joinSuite } from './join.js'
import { lookupSuite } from './lookup.js'
import { messagesSuite } from './messages.js'
import { tokensSuite } from './tokens.js'
import { memorySuite } from './memory.js'
import { growthSuite } from './growth.js'
import { metricsSuite } from './metrics.js'
import type { Suite } from './suite.js'

/** every suite, in the order */
export const SUITES: readonly Suite[] = [joinSuite, lookupSuite, messagesSuite, tokensSuite, memorySuite, growthSuite, metricsSuite]

export type { Suite, SuiteName, Row, Chart, Series, SuiteContext } from './suite.js'
export { SUITE_NAMES } from './suite.js'
