/**
 * Suite 7, tunnels: a TCP connection carried through the realm (node.tunnels.forward, what
 * `realmesh tunnel` runs) against the same bytes on a plain libp2p stream and on plain TCP.
 */
import { median, percentile } from '../stats.js'
import { failureOf, resultOf, row } from './suite.js'
import type { BenchConfig } from '../config.js'
import type { TunnelsJob } from '../jobs.js'
import type { SideTunnels, TunnelsResult } from '../runners/tunnels.js'
import type { Row, Suite } from './suite.js'
import type { Throughput } from '../runners/streams.js'

function tunnelsJob (config: BenchConfig): TunnelsJob {
  return { kind: 'tunnels', ...config.tunnels }
}

function at (samples: number[] | undefined, p: number): number | null {
  return samples == null || samples.length === 0 ? null : percentile(samples, p)
}

/** the median round's MB/s */
function rate (runs: Throughput[] | undefined): number | null {
  const measured = (runs ?? []).filter(t => t.ms > 0)
  return measured.length === 0 ? null : median(measured.map(t => t.bytes / 1e6 / (t.ms / 1000)))
}

export const tunnelsSuite: Suite = {
  name: 'tunnels',
  title: 'Tunnels',
  describe: 'Every libp2p node in a process of its own, TCP on 127.0.0.1. Tunnel: two realm members; one exposes a TCP echo and a TCP sink service, the other forwards a local port to each (node.tunnels.forward, what `realmesh tunnel` runs), so a client\'s bytes go client -> TCP -> forwarding member -> /realmesh/tunnel/1 stream -> exposing member -> TCP -> service. Plain stream: the same echo and sink protocols on a plain libp2p stream between two plain nodes (no TCP legs at either end). Plain TCP: the client straight to the same services. Latency: 1 KiB echoed, one at a time, on an open connection (the tunnel adds two loopback TCP legs and their copies). Setup: a new connection until its first 1 KiB came back (tunnel: TCP accept, a stream, the request and answer, the service\'s TCP connect; plain stream: a stream on the open connection). Throughput: 64 KiB writes to the sink until it answers (512 MiB in a full run: a second or more of steady flow, where 64 MiB was a third of a second and mostly the start), on one connection and over 8 at once. Sides in interleaved rounds (5 in a full run, the order rotating), each figure the median round or the percentile over all; a warm-up per side first.',
  jobs: (config) => [tunnelsJob(config)],
  rows: (ctx) => {
    const outcome = ctx.outcome(tunnelsJob(ctx.config))
    const result = resultOf<TunnelsResult>(outcome)
    const note = failureOf(outcome, 'tunnels') === '' ? undefined : failureOf(outcome, 'tunnels')
    const { parallel, throughput } = ctx.config.tunnels
    const mib = `${throughput.bytes / 1024 / 1024} MiB`
    const rows: Row[] = []
    const baselines: Array<[string, SideTunnels | undefined, number | undefined]> = [['plain libp2p stream', result?.plain, 0.8], ['plain TCP', result?.tcp, undefined]]
    for (const [label, base, target] of baselines) {
      const ours = result?.tunnel
      rows.push(
        row({ suite: 'tunnels', name: `tunnel: throughput, ${mib} in 64 KiB writes, one connection, vs ${label}`, unit: 'MB/s', ours: rate(ours?.throughput), baseline: rate(base?.throughput), betterIs: 'higher', n: 3, target, note }),
        row({ suite: 'tunnels', name: `tunnel: throughput, ${mib} over ${parallel} connections at once, vs ${label}`, unit: 'MB/s', ours: rate(ours?.parallel), baseline: rate(base?.parallel), betterIs: 'higher', n: 3, target, note }),
        row({ suite: 'tunnels', name: `tunnel: latency p50, 1 KiB round trip, vs ${label}`, unit: 'ms', ours: at(ours?.echoMs, 50), baseline: at(base?.echoMs, 50), betterIs: 'lower', n: 3, note }),
        row({ suite: 'tunnels', name: `tunnel: latency p99, 1 KiB round trip, vs ${label}`, unit: 'ms', ours: at(ours?.echoMs, 99), baseline: at(base?.echoMs, 99), betterIs: 'lower', n: 3, note }),
        row({ suite: 'tunnels', name: `tunnel: new connection to its first 1 KiB echo, p50, vs ${label}`, unit: 'ms', ours: at(ours?.connectMs, 50), baseline: at(base?.connectMs, 50), betterIs: 'lower', n: 3, note })
      )
    }
    return rows
  }
}
