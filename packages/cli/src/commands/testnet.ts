/**
 * `realmesh testnet --nodes N --processes K [--lookups 100] [--quiet-ms MS] [--idle-ms MS]
 * [--rest-ms MS] [--timeout-ms MS] [--profile] [--plain] [--json]`: a realm of N nodes (and a leader) over K worker processes on
 * loopback (@realmesh/testnet createProcTestnet); `--plain`: plain libp2p + kad-dht nodes (and a
 * bootstrap node) instead, the reference for the same figures. Waits until no routing table anywhere changed for
 * the quiet window, then measures table health, `--lookups` coordinator lookups of random subjects
 * against the true closest member, and heap, RSS (after a GC) and CPU (over `--idle-ms` of rest, after `--rest-ms`)
 * per node (`--profile`: then where each process's CPU goes at rest, V8's sampling profiler);
 * prints them (`--json`: one document), with a progress line on stderr while it runs.
 * Exit 1 (TESTNET_NOT_SETTLED, after the figures) when the realm did not settle in time.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { createProcTestnet } from '@realmesh/testnet'
import { parseFlags, required } from '../args.js'
import { CliError, EXIT } from '../errors.js'
import { integer } from '../config/schema.js'
import { formatMs } from '../duration.js'
import { checkFlag } from './node-start.js'
import { numeric } from './demo.js'
import { testnetLines } from './testnet-report.js'
import type { TestnetReport } from './testnet-report.js'
import type { Io } from '../io.js'

/** bounds of the flags (a realm of 5,000 over 64 processes is far past what one machine runs) */
export const TESTNET_LIMITS = { nodes: 5_000, processes: 64, lookups: 10_000, ms: 3_600_000 }
const PROGRESS_EVERY_MS = 5_000

/**
 * how long to wait for the realm to settle unless told: 20 min, or 3 s per node past 400 (a table
 * entry costs tens of ms of CPU over the realm, and there are some 60 per node: a realm of 1,000 on
 * 2 cores settles in about half an hour), at most the flag's bound
 */
export function defaultTimeoutMs (nodes: number): number {
  return Math.min(TESTNET_LIMITS.ms, Math.max(1_200_000, nodes * 3_000))
}

export async function testnet (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    nodes: { type: 'string' },
    processes: { type: 'string' },
    lookups: { type: 'string' },
    'quiet-ms': { type: 'string' },
    'idle-ms': { type: 'string' },
    'rest-ms': { type: 'string' },
    'timeout-ms': { type: 'string' },
    profile: { type: 'boolean' },
    plain: { type: 'boolean' },
    json: { type: 'boolean' }
  })
  const nodes = checkFlag(numeric(required(values.nodes, '--nodes')), '--nodes', integer(1, TESTNET_LIMITS.nodes)) ?? 0
  const processes = checkFlag(numeric(values.processes), '--processes', integer(1, Math.min(nodes, TESTNET_LIMITS.processes))) ?? 1
  const lookupCount = checkFlag(numeric(values.lookups), '--lookups', integer(0, TESTNET_LIMITS.lookups)) ?? 100
  const quietMs = checkFlag(numeric(values['quiet-ms']), '--quiet-ms', integer(100, TESTNET_LIMITS.ms)) ?? 30_000
  const idleMs = checkFlag(numeric(values['idle-ms']), '--idle-ms', integer(1_000, TESTNET_LIMITS.ms)) ?? 10_000
  const restMs = checkFlag(numeric(values['rest-ms']), '--rest-ms', integer(0, TESTNET_LIMITS.ms)) ?? 0
  const timeoutMs = checkFlag(numeric(values['timeout-ms']), '--timeout-ms', integer(1_000, TESTNET_LIMITS.ms)) ?? defaultTimeoutMs(nodes)

  const signal = io.stopSignal()
  const t0 = Date.now()
  const since = (): string => formatMs(Date.now() - t0)
  const plain = values.plain === true
  io.err(`testnet: starting ${plain ? 'a bootstrap node and' : 'a leader and'} ${nodes} ${plain ? 'plain libp2p + kad-dht ' : ''}nodes over ${processes} worker processes (and one for the ${plain ? 'bootstrap node' : 'leader'}) on TCP 127.0.0.1`)
  const net = await createProcTestnet({ nodes, processes, signal, onStderr: io.err, plain })
  try {
    const startMs = Date.now() - t0
    io.err(`testnet: ${since()}: every node started; waiting until no routing table changed for ${formatMs(quietMs)}`)
    let shown = 0
    const settle = await net.whenSettled({
      quietMs,
      timeoutMs,
      signal,
      onProgress: (state) => {
        if (Date.now() - shown < PROGRESS_EVERY_MS) return
        shown = Date.now()
        io.err(`testnet: ${since()}: ${state.joined}/${state.running} joined, tables min ${state.minTable} mean ${state.meanTable.toFixed(1)}, ${state.changes} changes, ${state.lastChangeAt > 0 ? `last ${formatMs(Date.now() - state.lastChangeAt)} ago` : 'none yet'}, event loops lag up to ${formatMs(state.maxLoopGapMs)}`)
      }
    })
    io.err(`testnet: ${since()}: ${settle.settled ? 'settled' : `not settled within ${formatMs(timeoutMs)}`}; checking tables, then ${lookupCount} lookups`)
    const { perNode: _perNode, ...tables } = await net.health({ signal })
    const lookups = await net.lookups(lookupCount, {
      signal,
      onProgress: (done) => { if (done % 10 === 0) io.err(`testnet: ${since()}: ${done}/${lookupCount} lookups`) }
    })
    if (restMs > 0) {
      // records and neighbourhood rounds go on for minutes after the tables stop changing
      io.err(`testnet: ${since()}: resting ${formatMs(restMs)} before measuring`)
      await delay(restMs, undefined, { signal })
    }
    io.err(`testnet: ${since()}: measuring heap, RSS and CPU over ${formatMs(idleMs)} at rest`)
    const usage = await net.usage(idleMs, { signal })
    // after the CPU window, not in it: the sampling profiler costs CPU of its own
    if (values.profile === true) io.err(`testnet: ${since()}: profiling every process over ${formatMs(idleMs)} at rest`)
    const profile = values.profile === true ? await net.profile(idleMs, { signal }) : undefined
    const report: TestnetReport = {
      side: plain ? 'plain' : 'realmesh',
      nodes,
      processes,
      settled: settle.settled,
      settleMs: settle.settled ? settle.lastChangeAt - t0 : null,
      startMs,
      quietMs,
      tables,
      lookups: { total: lookups.total, trueClosest: lookups.trueClosest, failed: lookups.failed, ms: lookups.ms, queries: lookups.queries, errors: lookups.errors, slowest: lookups.slowest },
      hops: lookups.hops,
      perNode: usage.perNode,
      idle: { windowMs: usage.windowMs, cpuMsPerMemberPerSecond: usage.cpuMsPerMemberPerSecond, gcMsPerMemberPerSecond: usage.gcMsPerMemberPerSecond },
      perProcess: usage.processes,
      ...(profile == null ? {} : { profile })
    }
    if (values.json === true) io.out(JSON.stringify(report, null, 2))
    else for (const line of testnetLines(report)) io.out(line)
    if (!settle.settled) throw new CliError('TESTNET_NOT_SETTLED', `routing tables still changed after ${formatMs(timeoutMs)} (the figures above were measured anyway)`)
    return EXIT.OK
  } catch (err) {
    if (signal.aborted) return EXIT.OK
    throw err
  } finally {
    await net.stop()
  }
}
