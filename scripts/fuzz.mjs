#!/usr/bin/env node
// The long fuzz run: every property of packages/*/dist/test/fuzz-*.test.js (the same ones
// `pnpm test` runs with 100 cases each) with a total number of cases split evenly over them.
//   pnpm fuzz                          1,000,000 cases in total (or FUZZ_RUNS)
//   pnpm fuzz --runs 50000             fewer
//   pnpm fuzz --grep 'Frames'          only the properties whose name matches
//   pnpm fuzz --grep 'NAME' --seed=S --path=P   replay a failure (fast-check prints its seed and path)
// Prints the cases run per property, the total and the time taken, and for a failure its
// counterexample, seed and path. Exits 1 when a property fails. Run `pnpm build` first (`pnpm fuzz`
// does).
import { globSync } from 'node:fs'
import { run } from 'node:test'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: process.env.FUZZ_RUNS ?? '1000000' },
    grep: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    concurrency: { type: 'string', default: process.env.TEST_CONCURRENCY ?? '2' }
  }
})
const total = Number(values.runs)
if (!Number.isSafeInteger(total) || total < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`)

const files = globSync('packages/*/dist/test/fuzz-*.test.js').sort()
if (files.length === 0) {
  console.error('no compiled fuzz tests found: run `pnpm build` first')
  process.exit(1)
}

// every test process loads fuzz-setup.mjs, which hands FUZZ_CASES, FUZZ_SEED and FUZZ_PATH to fast-check
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${new URL('./fuzz-setup.mjs', import.meta.url).href}`.trim()
if (values.seed != null) process.env.FUZZ_SEED = values.seed
if (values.path != null) process.env.FUZZ_PATH = values.path

/** runs the fuzz files with `cases` cases per property; resolves with one result per property */
async function runAll (cases) {
  process.env.FUZZ_CASES = String(cases)
  const results = []
  const stream = run({
    files,
    concurrency: Number(values.concurrency),
    timeout: 0,
    ...(values.grep != null && { testNamePatterns: [values.grep] })
  })
  for await (const event of stream) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const { name, file, details } = event.data
    // suites are reported too, and a file none of whose tests --grep matched: only tests are properties
    if (details.type !== 'test' || details.skip != null || file?.endsWith(name) === true) continue
    results.push({ name, file, ok: event.type === 'test:pass', ms: details.duration_ms, error: details.error })
  }
  return results
}

const started = performance.now()
// first one case each: how many properties there are, and that each loads and runs (a replay is
// this run alone: its seed and path pick the failing case)
const plan = await runAll(1)
if (plan.length === 0) {
  console.error('no property matched')
  process.exit(1)
}
if (values.path != null || plan.some(r => !r.ok)) {
  if (values.path == null) console.log('with one case each:\n')
  process.exit(summarize(plan, 1))
}
const cases = Math.ceil(total / plan.length)
console.log(`fuzz: ${(cases * plan.length).toLocaleString('en')} cases over ${plan.length} properties (${cases.toLocaleString('en')} each) in ${files.length} files, ${values.concurrency} files at a time\n`)
const results = await runAll(cases)
process.exit(summarize(results, cases) === 0 && results.length === plan.length ? 0 : 1)

/** prints a line per property, the failures and the total; returns the exit code */
function summarize (results, cases) {
  let ran = 0
  for (const r of results) {
    // a failing property stopped at its first counterexample: fast-check says after how many cases
    const count = r.ok ? cases : Number(/failed after (\d+) tests/.exec(messageOf(r.error))?.[1] ?? 0)
    ran += count
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${count.toLocaleString('en').padStart(11)} cases ${seconds(r.ms).padStart(8)}  ${r.file.replace(/^.*packages\/([^/]+)\/dist\/test\//, '$1/')}: ${r.name}`)
  }
  const failed = results.filter(r => !r.ok)
  for (const r of failed) report(r)
  console.log(`\ntotal: ${ran.toLocaleString('en')} cases, ${results.length} properties, ${failed.length} failed, in ${seconds(performance.now() - started)}`)
  return failed.length > 0 ? 1 : 0
}

function messageOf (error) {
  // node:test wraps the property's error; fast-check's report (seed, path, counterexample) is its cause
  const inner = error?.cause ?? error
  return String(inner?.message ?? inner ?? '')
}

function report (r) {
  const message = messageOf(r.error)
  const seed = /seed: (-?\d+), path: "([^"]*)"/.exec(message)
  console.log(`\nFAIL ${r.file}: ${r.name}\n${message}`)
  if (seed != null) console.log(`replay: pnpm fuzz --grep ${JSON.stringify(r.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))} --seed=${seed[1]} --path=${seed[2]}`)
}

function seconds (ms) {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s` : `${(ms / 1000).toFixed(1)}s`
}
