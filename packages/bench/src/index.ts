/**
 * @realmesh/bench: realmesh measured side by side with plain libp2p in the same run. The CLI is
 * src/bin.ts (`pnpm bench`); these exports are for tests and for anyone reusing the pieces.
 */
export { percentile, mean, median, summarize, ratio, meetsTarget, atLeastAsGood, formatRatio, formatValue } from './stats.js'
export type { BetterIs, Summary } from './stats.js'
export { toLatestJson, toMarkdown, markdownTable, writeReport, spliceResults, chartSvg } from './report.js'
export type { LatestJson, ResultEntry, RunInfo, JobSummary } from './report.js'
export { lineChartSvg, cdfSvg, niceTicks, escapeXml } from './svg.js'
export { findCoordinator, subjectPair, coordinatorLookupKey, SUBJECT_MESSAGES_LABEL, COORDINATOR_LOOKUP_LABEL } from './adapters.js'
export { createPlainNode, createPlainNetwork, PLAIN_NETWORK_ID } from './baseline.js'
export type { PlainNode, PlainNetwork, PlainNetworkInit } from './baseline.js'
export { closestPeerLookup, hopsTo, routingTableOf, neighbourhoodQuality } from './kad.js'
export type { LookupResult, RoutingTableView } from './kad.js'
export { whenSettled } from './settle.js'
export type { SettleInit, SettleResult } from './settle.js'
export { runTokens } from './runners/tokens.js'
export type { TokensResult } from './runners/tokens.js'
export { configFor } from './config.js'
export type { BenchConfig, Mode } from './config.js'
export { SUITES, SUITE_NAMES } from './suites/index.js'
export type { Suite, SuiteName, Row, Chart, Series } from './suites/index.js'
