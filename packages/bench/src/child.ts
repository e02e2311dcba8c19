/**
 * Child-process entry: `node --expose-gc child.js <job JSON> <result file>`. Runs one job, writes
 * `{ ok, result | error }` to the result file and exits without stopping the nodes (stopping
 * hundreds of nodes measures nothing and can take long; the process exit frees everything).
 */
import { writeFileSync } from 'node:fs'
import { runNetwork } from './runners/network.js'
import { runMessages } from './runners/messages.js'
import { runTokens } from './runners/tokens.js'
import { runDaemonMetrics } from './runners/daemon-metrics.js'
import { runHosts } from './runners/hosts.js'
import { runTunnels } from './runners/tunnels.js'
import type { Job } from './jobs.js'

async function run (job: Job): Promise<unknown> {
  switch (job.kind) {
    // written synchronously: hundreds of in-memory nodes can keep the event loop from ever running
    // a file write's callback before the job's time limit kills the process
    case 'network': return runNetwork(job, async (partial) => { writeFileSync(out, JSON.stringify({ ok: true, partial: true, result: partial })) })
    case 'messages': return runMessages(job)
    case 'tokens': return runTokens(job)
    case 'daemon-metrics': return runDaemonMetrics(job)
    case 'hosts': return runHosts(job)
    case 'tunnels': return runTunnels(job)
  }
}

const [jobText, outArg] = process.argv.slice(2)
if (jobText == null || outArg == null) {
  process.stderr.write('usage: child.js <job JSON> <result file>\n')
  process.exit(2)
}
const out: string = outArg
// libp2p internals can reject promises nobody awaits while hundreds of nodes churn; a benchmark
// records what it measured instead of dying on them
process.on('unhandledRejection', () => {})

let written: { ok: true, result: unknown } | { ok: false, error: string }
try {
  written = { ok: true, result: await run(JSON.parse(jobText) as Job) }
} catch (err) {
  written = { ok: false, error: (err as Error).stack ?? String(err) }
}
writeFileSync(out, JSON.stringify(written))
process.exit(0)
