/**
 * Suite 3, subject messages: latency and throughput between a matched sender and receiver.
 * realmesh: src/adapters.ts subjectPair (a subscriber and a publisher matched by the subject's
 * coordinators; each publish acked by the receiver, ack 'destination'); baselines: a plain libp2p stream between two nodes of a plain network of the
 * same size, and gossipsub between the same two plain nodes. TCP on 127.0.0.1.
 */
import { SUBJECT_MESSAGES_LABEL } from '../adapters.js'
import { median, percentile } from '../stats.js'
import { failureOf, notes, resultOf, row } from './suite.js'
import type { BenchConfig } from '../config.js'
import type { MessagesJob } from '../jobs.js'
import type { MessagesResult, SideMessages } from '../runners/messages.js'
import type { Chart, Row, Suite, SuiteContext } from './suite.js'

function messagesJob (config: BenchConfig): MessagesJob {
  return { kind: 'messages', ...config.messages }
}

interface Figures {
  p50: number | null
  p99: number | null
  /** per message size, the median round: [messages/s, MB/s] */
  rate: Map<number, { perSecond: number, mbPerSecond: number }>
}

function figures (side: SideMessages | undefined): Figures {
  const rate = new Map<number, { perSecond: number, mbPerSecond: number }>()
  const sizes = new Set((side?.throughput ?? []).map(t => t.size))
  for (const size of sizes) {
    const runs = (side?.throughput ?? []).filter(t => t.size === size && t.ms > 0)
    if (runs.length === 0) continue
    rate.set(size, {
      perSecond: median(runs.map(t => t.messages / (t.ms / 1000))),
      mbPerSecond: median(runs.map(t => t.bytes / 1e6 / (t.ms / 1000)))
    })
  }
  return { p50: latency(side?.echoMs, 50), p99: latency(side?.echoMs, 99), rate }
}

function latency (samples: number[] | undefined, p: number): number | null {
  return samples == null || samples.length === 0 ? null : percentile(samples, p)
}

function sizeLabel (bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`
}

export const messagesSuite: Suite = {
  name: 'messages',
  title: 'Subject messages',
  describe: `realmesh: a subscriber and a publisher on two members of a realm (leader + 5 nodes, TCP on 127.0.0.1), matched by the subject's coordinators (src/adapters.ts subjectPair); messages go straight from node to node on /realmesh/message/1 with ack 'destination' (the receiver acks once its handler has the message). Baselines, on a plain network of the same size in the same process: a plain libp2p stream between two of its nodes, and gossipsub between the same two nodes (the receiver the only subscriber of the topic; the echo answer on a second topic). The outbox's cost: a third member with a store (LevelDB in a temp dir) publishes the same way to the same receiver on a subject of its own, every acked message written to its outbox before it goes out and deleted once acked (the issue's goal: 1 KiB throughput at least 0.8x the same without). Latency: realmesh, a 1 KiB publish until its ack came back; baselines, a 1 KiB message echoed back; one at a time. Throughput: runs of 1 KiB and of 64 KiB messages, timed until the receiver has them all; realmesh keeps at most 512 messages / 4 MiB unacked, the plain stream writes with backpressure (no acks), gossipsub has no backpressure, so its publisher keeps at most 256 KiB unacknowledged. All sides measured in interleaved rounds (5 in a full run, the order rotating); throughput is the median round. 50 unmeasured round trips and a short warm-up run per side first.`,
  jobs: (config) => [messagesJob(config)],
  rows: (ctx) => {
    const outcome = ctx.outcome(messagesJob(ctx.config))
    const result = resultOf<MessagesResult>(outcome)
    const failed = failureOf(outcome, 'messages')
    const ours = figures(result?.realmesh)
    const persisted = figures(result?.persisted)
    const gossip = result?.gossipsub
    const baselines: Array<{ label: string, figures: Figures, target?: number, note?: string }> = [
      { label: 'plain stream', figures: figures(result?.plain), target: 0.8 },
      { label: 'gossipsub', figures: figures(gossip), note: notes(gossip?.error != null && `gossipsub: ${gossip.error}`, (gossip?.incomplete.length ?? 0) > 0 && `gossipsub runs that stalled (10 s without a message; counted with what arrived): ${gossip?.incomplete.join(', ') ?? ''}`) }
    ]
    const n = ctx.config.messages.nodes
    const echo = sizeLabel(ctx.config.messages.echo.size)
    const rows: Row[] = []
    for (const base of baselines) {
      rows.push(
        row({ suite: 'messages', name: `${SUBJECT_MESSAGES_LABEL}: latency p50, ${echo} round trip, vs ${base.label}`, unit: 'ms', ours: ours.p50, baseline: base.figures.p50, betterIs: 'lower', n, note: notes(failed, base.note) }),
        row({ suite: 'messages', name: `${SUBJECT_MESSAGES_LABEL}: latency p99, ${echo} round trip, vs ${base.label}`, unit: 'ms', ours: ours.p99, baseline: base.figures.p99, betterIs: 'lower', n, note: notes(failed, base.note) })
      )
      for (const { size } of ctx.config.messages.throughput) {
        const o = ours.rate.get(size)
        const b = base.figures.rate.get(size)
        const note = notes(failed, base.note)
        rows.push(
          row({ suite: 'messages', name: `${SUBJECT_MESSAGES_LABEL}: throughput, ${sizeLabel(size)} messages, vs ${base.label}`, unit: 'msg/s', ours: o?.perSecond ?? null, baseline: b?.perSecond ?? null, betterIs: 'higher', n, target: base.target, note }),
          row({ suite: 'messages', name: `${SUBJECT_MESSAGES_LABEL}: throughput, ${sizeLabel(size)} messages, vs ${base.label} (bytes)`, unit: 'MB/s', ours: o?.mbPerSecond ?? null, baseline: b?.mbPerSecond ?? null, betterIs: 'higher', n, target: base.target, note })
        )
      }
    }
    // the outbox's cost: the same acked publishes from a node with a store, against the same without
    const persistedLabel = `${SUBJECT_MESSAGES_LABEL}, outbox on (a store)`
    rows.push(
      row({ suite: 'messages', name: `${persistedLabel}: latency p50, ${echo} round trip, vs outbox off`, unit: 'ms', ours: persisted.p50, baseline: ours.p50, betterIs: 'lower', n, note: failed }),
      row({ suite: 'messages', name: `${persistedLabel}: latency p99, ${echo} round trip, vs outbox off`, unit: 'ms', ours: persisted.p99, baseline: ours.p99, betterIs: 'lower', n, note: failed })
    )
    for (const { size } of ctx.config.messages.throughput) {
      rows.push(row({ suite: 'messages', name: `${persistedLabel}: throughput, ${sizeLabel(size)} messages, vs outbox off`, unit: 'msg/s', ours: persisted.rate.get(size)?.perSecond ?? null, baseline: ours.rate.get(size)?.perSecond ?? null, betterIs: 'higher', n, target: size === 1024 ? 0.8 : undefined, note: failed }))
    }
    return rows
  },
  charts: (ctx: SuiteContext): Chart[] => {
    const result = resultOf<MessagesResult>(ctx.outcome(messagesJob(ctx.config)))
    return [{
      file: 'message-latency.svg',
      kind: 'cdf',
      title: `Message round trip, ${sizeLabel(ctx.config.messages.echo.size)} (CDF)`,
      xLabel: 'round trip (ms)',
      yLabel: 'share of messages',
      series: [
        { label: 'realmesh member stream', samples: result?.realmesh.echoMs ?? [] },
        { label: 'realmesh, outbox on', samples: result?.persisted.echoMs ?? [], dashed: true },
        { label: 'plain libp2p stream', samples: result?.plain.echoMs ?? [] },
        { label: 'gossipsub', samples: result?.gossipsub.echoMs ?? [] }
      ]
    }]
  }
}
