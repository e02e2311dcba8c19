#!/usr/bin/env node
/**
 * `pnpm sim`: simulated realms of the given sizes, one after the other, each printed as a summary
 * (or JSON), written to --out as sim-N.json, and charted there with every sim-*.json already in it.
 *
 *   pnpm sim --nodes 1000,10000 [--lookups 200] [--subjects 10000] [--seed 1] [--out DIR] [--json]
 *            [--join-ms MS] [--max-settle-ms MS] [--change-settle-ms MS] [--max-real-minutes M] [--kad-prefix-length P]
 *            [--start joins|warm] [--warm-per-bucket B]
 *   pnpm sim --charts-only --out DIR     (sim.md and the charts again from the sim-N.json in DIR)
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runScenario } from './run.js'
import { charts, markdownTable, summary } from './report.js'
import type { SimReport } from './run.js'

const USAGE = `usage: pnpm sim [--nodes 1000[,10000...]] [--lookups 200] [--subjects 10000] [--seed 1] [--out DIR] [--json]
                [--join-ms MS] [--max-settle-ms MS] [--change-settle-ms MS] [--max-real-minutes M] [--kad-prefix-length P]
                [--start joins|warm] [--warm-per-bucket B]
       pnpm sim --charts-only --out DIR`

function parse (): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS }).values
  } catch (err) {
    // an unknown or malformed flag: what was wrong and the usage, not a stack trace
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }
}

const OPTIONS = {
  nodes: { type: 'string', default: '1000' },
  lookups: { type: 'string', default: '200' },
  subjects: { type: 'string', default: '10000' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  'join-ms': { type: 'string' },
  'max-settle-ms': { type: 'string' },
  'change-settle-ms': { type: 'string' },
  'max-real-minutes': { type: 'string' },
  'charts-only': { type: 'boolean', default: false },
  'kad-prefix-length': { type: 'string' },
  start: { type: 'string', default: 'joins' },
  'warm-per-bucket': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false }
} as const

const values = parse()
if (values.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

function count (name: string, text: string | undefined): number | undefined {
  if (text == null) return undefined
  const n = Number(text.replace(/_/g, ''))
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name}: a positive whole number, got "${text}"\n`)
    process.exit(2)
  }
  return n
}

/**
 * V8 maps its heap in 256 KiB pages, each a mapping of its own: a realm of 100,000 peaks at 16 to
 * 19 GiB, more mappings than Linux's default vm.max_map_count (65,530), and the run then dies with
 * "JavaScript heap out of memory" whatever --max-old-space-size says (2026-12-07, an hour in)
 */
function mapCountWarning (nodes: number): void {
  let limit: number
  try {
    limit = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'))
  } catch {
    return
  }
  // the heap's peak per member (100,000 warm: 18.7 GiB), in pages, and the process's other mappings
  const peakKiB = 200
  const needed = Math.ceil(nodes * peakKiB / 256) + 5_000
  if (!Number.isFinite(limit) || needed <= limit) return
  process.stderr.write(`warning: a realm of ${nodes} needs a heap of about ${Math.ceil(nodes * peakKiB / 2 ** 20)} GiB, in more memory mappings than vm.max_map_count (${limit}) allows; the run would die with "heap out of memory" part-way. Raise it first: sysctl -w vm.max_map_count=${Math.max(262_144, 2 ** Math.ceil(Math.log2(needed)))}\n`)
}

if (values['charts-only'] && values.out == null) {
  process.stderr.write('--charts-only needs --out DIR\n')
  process.exit(2)
}
if (values.start !== 'joins' && values.start !== 'warm') {
  process.stderr.write(`--start: joins or warm, got "${values.start}"\n${USAGE}\n`)
  process.exit(2)
}
const start: 'joins' | 'warm' = values.start
const sizes = values['charts-only'] ? [] : (values.nodes ?? '1000').split(',').map(s => count('nodes', s.trim()) as number)
mapCountWarning(Math.max(0, ...sizes))
const reports: SimReport[] = []
for (const nodes of sizes) {
  const report = await runScenario({
    nodes,
    start,
    warmPerBucket: count('warm-per-bucket', values['warm-per-bucket']),
    lookups: count('lookups', values.lookups),
    subjects: count('subjects', values.subjects),
    seed: count('seed', values.seed),
    joinMs: count('join-ms', values['join-ms']),
    maxSettleMs: count('max-settle-ms', values['max-settle-ms']),
    changeSettleMs: count('change-settle-ms', values['change-settle-ms']),
    kadPrefixLength: count('kad-prefix-length', values['kad-prefix-length']),
    maxRealMs: values['max-real-minutes'] == null ? undefined : (count('max-real-minutes', values['max-real-minutes']) as number) * 60_000,
    progress: (line) => { process.stderr.write(`[sim N=${nodes}] ${line}\n`) }
  })
  reports.push(report)
  if (!values.json) process.stdout.write(`${summary(report)}\n`)
  if (values.out != null) {
    mkdirSync(values.out, { recursive: true })
    writeFileSync(join(values.out, `sim-${start === 'warm' ? 'warm-' : ''}${nodes}.json`), `${JSON.stringify(report, null, 2)}\n`)
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`)
if (values.out != null) {
  const all = readdirSync(values.out).filter(f => /^sim-(warm-)?\d+\.json$/.test(f)).map(f => JSON.parse(readFileSync(join(values.out as string, f), 'utf8')) as SimReport)
  for (const [name, svg] of Object.entries(charts(all))) writeFileSync(join(values.out, name), svg)
  writeFileSync(join(values.out, 'sim.md'), `${markdownTable(all)}\n`)
  process.stderr.write(`wrote ${values.out}: sim-N.json, sim.md, sim-hops.svg, sim-cost.svg\n`)
}
