/**
 * `node packages/testnet/dist/src/procs/churn-main.js [--nodes 300] [--churn-ms 600000]
 * [--subjects 20] [--batch 10] [--processes 4] [--quiet-ms 30000]
 * [--churn-subscribers [--down-ms 20000] [--ttl-ms 120000]]` (`./dev test:churn`): runs ./churn.ts
 * and prints its figures as JSON on stdout, progress on stderr. `--churn-subscribers` is its second
 * form: the subscribers are among the churned and come back as themselves with their stores.
 * SIGINT/SIGTERM stop it (the workers with it).
 */
import { parseArgs } from 'node:util'
import { runChurn } from './churn.js'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    'churn-ms': { type: 'string' },
    subjects: { type: 'string' },
    batch: { type: 'string' },
    processes: { type: 'string' },
    'quiet-ms': { type: 'string' },
    'churn-subscribers': { type: 'boolean' },
    'down-ms': { type: 'string' },
    'ttl-ms': { type: 'string' }
  }
})
const number = (text: string | undefined, flag: string): number | undefined => {
  if (text == null) return undefined
  if (!/^\d{1,9}$/.test(text)) {
    process.stderr.write(`${flag}: expected a whole number, got ${text}\n`)
    process.exit(1)
  }
  return Number(text)
}
const stop = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { stop.abort(new Error(`stopped by ${signal}`)) })
const t0 = Date.now()
const figures = await runChurn({
  nodes: number(values.nodes, '--nodes'),
  churnMs: number(values['churn-ms'], '--churn-ms'),
  subjects: number(values.subjects, '--subjects'),
  churnBatch: number(values.batch, '--batch'),
  processes: number(values.processes, '--processes'),
  quietMs: number(values['quiet-ms'], '--quiet-ms'),
  churnSubscribers: values['churn-subscribers'] === true,
  downMs: number(values['down-ms'], '--down-ms'),
  messageTtlMs: number(values['ttl-ms'], '--ttl-ms'),
  signal: stop.signal,
  onProgress: (line) => { process.stderr.write(`churn: ${((Date.now() - t0) / 1000).toFixed(0)} s: ${line}\n`) }
})
process.stdout.write(JSON.stringify(figures, null, 2) + '\n')
process.exit(figures.messages.lost === 0 && figures.heal.healthy ? 0 : 1)
