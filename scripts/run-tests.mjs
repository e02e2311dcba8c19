#!/usr/bin/env node
// Runs the compiled tests with node's test runner and prints its summary.
//   node scripts/run-tests.mjs           every test (unit + end to end)
//   node scripts/run-tests.mjs --unit    package tests only
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

if (files.length === 0) {
  console.error('no compiled test files found: run `pnpm build` first')
  process.exit(1)
}

const args = [
  '--test',
  // two cores on the reference machines: more files at once only makes multi-node tests slower
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
  '--test-timeout=300000',
  `--test-reporter=${process.env.TEST_REPORTER ?? 'spec'}`,
  ...passThrough,
  ...files.sort()
]
const child = spawn(process.execPath, args, { stdio: 'inherit' })
child.on('exit', (code, signal) => process.exit(code ?? (signal != null ? 1 : 0)))
