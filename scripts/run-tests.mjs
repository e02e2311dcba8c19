#!/usr/bin/env node
// Runs the compiled tests with node's test runner, in two phases:
//   1. every `*.test.js` except heavy ones, two files at a time (the reference machines have 2 cores)
//   2. `*.heavy.test.js` (many-node realms in one process) one file at a time, alone on the machine,
//      so their timing is not decided by whatever else runs beside them
// Each phase prints node's own summary; the last line is the total: `N passed, N failed`.
//   node scripts/run-tests.mjs           every test (unit, multi-node, end to end)
//   node scripts/run-tests.mjs --unit    package tests only (packages/*)
//   node scripts/run-tests.mjs --e2e     test/ only (the CLI as separate OS processes)
// Extra arguments after `--` go to `node --test` (e.g. -- --test-name-pattern=handshake).
import { spawn } from 'node:child_process'
import { globSync } from 'node:fs'

const argv = process.argv.slice(2)
const dash = argv.indexOf('--')
const own = dash === -1 ? argv : argv.slice(0, dash)
const passThrough = dash === -1 ? [] : argv.slice(dash + 1)

const unit = globSync('packages/*/dist/test/**/*.test.js')
const e2e = globSync('test/dist/e2e/**/*.test.js')
let files = [...unit, ...e2e]
if (own.includes('--unit')) files = unit
if (own.includes('--e2e')) files = e2e
files.sort()

if (files.length === 0) {
  console.error('no compiled test files found: run `pnpm build` first')
  process.exit(1)
}

const heavy = files.filter(f => f.endsWith('.heavy.test.js'))
const regular = files.filter(f => !f.endsWith('.heavy.test.js'))

/** runs one `node --test` phase, echoing its output; resolves with its exit code and counts */
async function phase (list, concurrency) {
  if (list.length === 0) return { code: 0, pass: 0, fail: 0 }
  const args = [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=600000',
    `--test-reporter=${process.env.TEST_REPORTER ?? 'spec'}`,
    ...passThrough,
    ...list
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  // the runner's own summary lines (`ℹ pass N`): the last of each is the phase's count (the list of
  // failing tests printed after it can be long, so they are picked out line by line as they pass)
  const counts = { pass: 0, fail: 0 }
  let partial = ''
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk)
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      const match = /^(?:ℹ|#) (pass|fail) (\d+)$/.exec(line)
      if (match != null) counts[match[1]] = Number(match[2])
    }
  })
  const code = await new Promise(resolve => child.on('close', (c, signal) => { resolve(c ?? (signal != null ? 1 : 0)) }))
  return { code, pass: counts.pass, fail: counts.fail }
}

const first = await phase(regular, Number(process.env.TEST_CONCURRENCY ?? 2))
const second = await phase(heavy, 1)
const pass = first.pass + second.pass
const fail = first.fail + second.fail
console.log(`\n${pass} passed, ${fail} failed`)
process.exit(first.code !== 0 || second.code !== 0 ? 1 : 0)
