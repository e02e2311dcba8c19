import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { markdownTable, spliceResults, toLatestJson, writeReport, RESULTS_END, RESULTS_START } from '../src/report.js'
import { cdfSvg, lineChartSvg } from '../src/svg.js'
import { row } from '../src/suites/suite.js'
import type { RunInfo } from '../src/report.js'
import type { Chart, Row } from '../src/suites/suite.js'

const rows: Row[] = [
  row({ suite: 'lookup', name: 'coordinator lookup: latency p50', unit: 'ms', ours: 12, baseline: 10, betterIs: 'lower', n: 100, target: 1.2 }),
  row({ suite: 'tokens', name: 'token verification: cached', unit: 'verifies/s', ours: 90_000, baseline: 5_000, betterIs: 'higher', n: 1, target: 10 }),
  row({ suite: 'join', name: 'join: routing tables settled (N=25)', unit: 'ms', ours: null, baseline: 900, betterIs: 'lower', n: 25, target: 1.5, note: 'realmesh: killed after 200 s (timeout) | more' })
]

const info: RunInfo = {
  runAt: '2026-01-01T00:00:00.000Z',
  node: 'v24.0.0',
  cpus: 2,
  mode: 'full',
  suites: ['lookup', 'tokens', 'join'],
  wallMs: 60_000,
  jobs: [
    { key: 'tokens', ok: true, wallMs: 1000, load: 0.5 },
    { key: 'network-realmesh-200', ok: true, wallMs: 235_000, load: 2, partial: 'killed after 235 s (timeout); what it measured by then is reported' },
    { key: 'network-plain-200', ok: false, wallMs: 235_000, load: 2, error: 'killed after 235 s (timeout)\nstack' }
  ]
}

const charts: Chart[] = [
  { file: 'growth-lookup.svg', kind: 'line', title: 'Lookup <p50> & "p99"', xLabel: 'nodes (N)', yLabel: 'ms', series: [{ label: 'realmesh', points: [[25, 10], [50, 14]] }, { label: 'plain', points: [[25, 9], [50, 12]] }, { label: 'realmesh p99', points: [[25, 30]], dashed: true }] },
  { file: 'lookup-latency.svg', kind: 'cdf', title: 'CDF', xLabel: 'ms', yLabel: 'share', series: [{ label: 'realmesh', samples: [1, 2, 3, 50] }, { label: 'plain', samples: [] }] }
]

/** a small well-formedness check: one root, every tag closed in order, attributes quoted */
function assertWellFormed (svg: string): void {
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  const body = svg.replace(/^<\?xml[^>]*\?>/, '')
  const stack: string[] = []
  let roots = 0
  for (const match of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match
    if (closing === '/') {
      assert.equal(stack.pop(), name, `</${name}> closes the wrong element`)
    } else if (selfClosing !== '/') {
      if (stack.length === 0) roots++
      stack.push(name ?? '')
    } else if (stack.length === 0) {
      roots++
    }
  }
  assert.deepEqual(stack, [], 'every element is closed')
  assert.equal(roots, 1, 'one root element')
  // no tag the regex did not understand (an unquoted attribute, a stray <)
  const tags = body.match(/</g)?.length ?? 0
  const understood = [...body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>/g)].length
  assert.equal(understood, tags, 'every < starts a well-formed tag')
}

describe('latest.json', () => {
  test('has exactly the shape the issue specifies', () => {
    const json = toLatestJson(info, rows)
    assert.deepEqual(Object.keys(json), ['runAt', 'node', 'cpus', 'results'])
    assert.equal(json.runAt, info.runAt)
    assert.equal(json.node, 'v24.0.0')
    assert.equal(json.cpus, 2)
    for (const r of json.results) {
      assert.deepEqual(Object.keys(r), ['name', 'unit', 'ours', 'baseline', 'ratio', 'betterIs', 'n'])
      assert.ok(r.betterIs === 'lower' || r.betterIs === 'higher')
    }
    assert.deepEqual(json.results[0], { name: 'coordinator lookup: latency p50', unit: 'ms', ours: 12, baseline: 10, ratio: 1.2, betterIs: 'lower', n: 100 })
    assert.equal(json.results[1]?.ratio, 18)
    assert.deepEqual(json.results[2], { name: 'join: routing tables settled (N=25)', unit: 'ms', ours: null, baseline: 900, ratio: null, betterIs: 'lower', n: 25 })
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)))
  })
})

describe('latest.md', () => {
  test('one table row per result, verdicts against targets, notes as footnotes', () => {
    const table = markdownTable(rows)
    const lines = table.split('\n')
    assert.equal(lines[0], '| metric | unit | N | realmesh | baseline | ratio | better | target |')
    assert.equal(lines.filter(l => l.startsWith('| ') && !l.startsWith('| metric')).length, 3)
    assert.ok(table.includes('| coordinator lookup: latency p50 | ms | 100 | 12.0 | 10.0 | 1.20x | lower | <= 1.2x: met |'))
    assert.ok(table.includes('| token verification: cached | verifies/s | 1 | 90,000 | 5,000 | 18.0x | higher | >= 10x: met |'))
    assert.ok(table.includes('| join: routing tables settled (N=25) [1] | ms | 25 | - | 900 | - | lower | <= 1.5x: not measured |'))
    assert.ok(table.includes('1. realmesh: killed after 200 s (timeout) \\| more'), 'a pipe in a note is escaped')
  })
})

describe('svg', () => {
  test('line chart and CDF are well-formed and escape their text', () => {
    const line = lineChartSvg(charts[0] as Chart)
    assertWellFormed(line)
    assert.ok(line.includes('Lookup &lt;p50&gt; &amp; &quot;p99&quot;'))
    assert.ok(line.includes('stroke-dasharray'))
    const cdf = cdfSvg(charts[1] as Chart)
    assertWellFormed(cdf)
    assert.ok(cdf.includes('plain (no data)'))
  })

  test('a chart with no data at all is still well-formed', () => {
    assertWellFormed(lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'a', points: [] }] }))
    assertWellFormed(cdfSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] }))
  })
})

describe('writeReport and spliceResults', () => {
  test('writes latest.json, latest.md and the charts; splices the table between markers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-report-'))
    try {
      const written = await writeReport(dir, info, rows, [], charts)
      assert.deepEqual(written.map(p => p.slice(dir.length + 1)), ['latest.json', 'latest.md', 'growth-lookup.svg', 'lookup-latency.svg'])
      const json = JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as { results: unknown[] }
      assert.equal(json.results.length, 3)
      const md = await readFile(join(dir, 'latest.md'), 'utf8')
      assert.ok(md.includes('![Lookup <p50> & "p99"](growth-lookup.svg)'))
      // every job's outcome: a job cut off at its limit with a partial result is not just "ok"
      assert.ok(md.includes('| tokens | 1.0 | 0.50 | ok |'))
      assert.ok(md.includes('| network-realmesh-200 | 235.0 | 2.00 | partial: killed after 235 s (timeout); what it measured by then is reported |'))
      assert.ok(md.includes('| network-plain-200 | 235.0 | 2.00 | failed: killed after 235 s (timeout) |'))

      const doc = join(dir, 'DOC.md')
      await writeFile(doc, `# doc\n\n${RESULTS_START}\nold\n${RESULTS_END}\n\nafter\n`)
      assert.equal(await spliceResults(doc, 'new table'), true)
      assert.equal(await readFile(doc, 'utf8'), `# doc\n\n${RESULTS_START}\nnew table\n${RESULTS_END}\n\nafter\n`)
      await writeFile(doc, 'no markers\n')
      assert.equal(await spliceResults(doc, 'x'), false)
      assert.equal(await spliceResults(join(dir, 'missing.md'), 'x'), false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
