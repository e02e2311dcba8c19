/**
 * What metrics cost a daemon: a `realmesh node start` daemon run in this process (runCli, the real
 * daemon: control API, logger, and with metrics its prom-client registry and instruments), in a
 * realm of a leader and a receiver that run as `realmesh` OS processes. It publishes `messages`
 * acked messages to the receiver through its control API (`concurrency` at a time) while GET /metrics
 * is scraped every `scrapeMs` (far more often than a Prometheus does by default, 15 s), then idles
 * for `idleMs`, scraped every `idleScrapeMs`; the scrapes come from a process of their own, as a
 * Prometheus's do (runners/scraper.ts). Measured: this process's CPU time in each phase
 * (process.cpuUsage: the daemon, and the HTTP client that publishes, the same on both sides), its
 * heap and RSS after GC at the end, and (with metrics) the daemon's CPU time for serving one scrape,
 * from SCRAPES_TIMED back-to-back ones.
 */
import { fork, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { runCli } from '@realmesh/cli'
import type { ChildProcess } from 'node:child_process'
import type { Io } from '@realmesh/cli'
import type { DaemonMetricsJob } from '../jobs.js'

export interface DaemonMetricsResult {
  metrics: boolean
  messages: number
  scrapes: number
  /** CPU time (user + system) while publishing, ms */
  loadCpuMs: number
  /** CPU time while idle, ms */
  idleCpuMs: number
  loadWallMs: number
  /** CPU time of one GET /metrics (client and daemon), ms; 0 without metrics */
  scrapeCpuMs: number
  /** bytes of one scrape's text */
  scrapeBytes: number
  /** after GC, at the end */
  heapBytes: number
  rssBytes: number
}

const BIN = join(dirname(fileURLToPath(import.meta.resolve('@realmesh/cli'))), 'bin.js')
const SECRET = 'bench-metrics-secret-0123456789'
const STEP_MS = 60_000
/** back-to-back scrapes timed at the end, for the cost of one */
const SCRAPES_TIMED = 50

/** lines of a process (or of the in-process daemon), and a wait for one matching a pattern */
class Lines {
  private readonly lines: string[] = []
  private readonly waiters = new Set<() => void>()

  push (line: string): void {
    if (this.lines.length < 10_000) this.lines.push(line)
    for (const wake of this.waiters) wake()
  }

  async waitFor (pattern: RegExp, what: string): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const line of this.lines) {
          const match = pattern.exec(line)
          if (match != null) {
            this.waiters.delete(wake)
            clearTimeout(timer)
            resolve(match)
            return true
          }
        }
        return false
      }
      const wake = (): void => { check() }
      const timer = setTimeout(() => {
        this.waiters.delete(wake)
        reject(new Error(`no line matching ${String(pattern)} (${what}) within ${STEP_MS} ms:\n${this.lines.join('\n')}`))
      }, STEP_MS)
      if (!check()) this.waiters.add(wake)
    })
  }
}

function start (args: string[], started: ChildProcess[]): Lines {
  const lines = new Lines()
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  started.push(child)
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => { lines.push(line) })
  return lines
}

async function ok (args: string[]): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'inherit'] })
  const code = await new Promise<number | null>((resolve) => { child.on('exit', resolve) })
  if (code !== 0) throw new Error(`realmesh ${args.join(' ')} exited with ${code}`)
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

async function gcHeap (): Promise<{ heapBytes: number, rssBytes: number }> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc == null) throw new Error('run with --expose-gc')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const usage = process.memoryUsage()
  return { heapBytes: usage.heapUsed, rssBytes: usage.rss }
}

/** the scraping process (runners/scraper.ts) */
class Scraper {
  scrapes = 0
  bytes = 0
  private readonly child: ChildProcess
  private error: string | undefined
  private burstDone: (() => void) | undefined

  constructor (url: string, token: string) {
    this.child = fork(fileURLToPath(new URL('./scraper.js', import.meta.url)), [url, token], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    this.child.on('message', (message: { op: 'scraped', bytes: number } | { op: 'burst' } | { op: 'error', error: string }) => {
      if (message.op === 'scraped') {
        this.scrapes++
        this.bytes = message.bytes
      } else if (message.op === 'error') {
        this.error ??= message.error
      } else {
        this.burstDone?.()
      }
    })
  }

  every (ms: number): void { this.child.send({ op: 'every', ms }) }

  /** n scrapes back to back; a scrape that failed during the run fails it here */
  async burst (n: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${n} scrapes took over ${STEP_MS} ms`)) }, STEP_MS)
      this.burstDone = () => { clearTimeout(timer); resolve() }
      this.child.send({ op: 'burst', n })
    })
    if (this.error != null) throw new Error(`scraping failed: ${this.error}`)
  }

  close (): void { this.child.kill('SIGKILL') }
}

export async function runDaemonMetrics (job: DaemonMetricsJob): Promise<DaemonMetricsResult> {
  const root = await mkdtemp(join(tmpdir(), 'realmesh-bench-metrics-'))
  const dir = (name: string): string => join(root, name)
  const children: ChildProcess[] = []
  const stop = new AbortController()
  const metricsFlag = job.metrics ? [] : ['--no-metrics']
  let daemon: Promise<number> | undefined
  try {
    await ok(['leader', 'init', '--name', 'bench', '--dir', dir('L'), '--policy', 'auto', '--join-secret', SECRET])
    const leader = start(['leader', 'start', '--dir', dir('L'), ...metricsFlag], children)
    await leader.waitFor(/control api /, 'the leader started')
    const realm = join(dir('L'), 'realm.json')
    const receiver = start(['node', 'start', '--dir', dir('R'), '--realm', realm, '--join-secret', SECRET, ...metricsFlag], children)
    await receiver.waitFor(/joined realm bench/, 'the receiver joined')

    // the measured daemon, in this process
    const own = new Lines()
    const io: Io = { out: (line) => { own.push(line) }, err: (line) => { own.push(line) }, env: {}, stopSignal: () => stop.signal }
    daemon = runCli(['node', 'start', '--dir', dir('M'), '--realm', realm, '--join-secret', SECRET, ...metricsFlag], io)
    await own.waitFor(/joined realm bench/, 'the measured daemon joined')
    const api = JSON.parse(await readFile(join(dir('M'), 'api.json'), 'utf8')) as { url: string, token: string }
    const headers = { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }

    const subscriber = start(['subscribe', 'bench', '--dir', dir('R')], children)
    await subscriber.waitFor(/subscribed to bench/, 'the receiver subscribed')

    // the scrapes come from a process of their own, as a Prometheus's do (runners/scraper.ts)
    const scraper = job.metrics ? new Scraper(`${api.url}/metrics`, api.token) : undefined
    const scrapeEvery = (ms: number): void => { scraper?.every(ms) }
    let sent = 0
    const publish = async (count: number): Promise<void> => {
      let next = 0
      await Promise.all(Array.from({ length: job.concurrency }, async () => {
        while (next < count) {
          next++
          const res = await fetch(`${api.url}/subjects/bench/publish`, { method: 'POST', headers, body: JSON.stringify({ data: `message ${sent}`, ack: 'destination' }) })
          const result = await res.json() as { results?: Array<{ status: string }> }
          if (result.results?.[0]?.status !== 'delivered') throw new Error(`publish: ${JSON.stringify(result)}`)
          sent++
        }
      }))
    }
    try {
      // warm-up: JIT, streams, the receiver matched
      await publish(job.warmup)
      sent = 0
      await gcHeap()
      const loadStart = performance.now()
      const cpu0 = cpuMs()
      scrapeEvery(job.scrapeMs)
      await publish(job.messages)
      const cpu1 = cpuMs()
      const loadWallMs = performance.now() - loadStart
      scrapeEvery(job.idleScrapeMs)
      await new Promise(resolve => setTimeout(resolve, job.idleMs))
      const cpu2 = cpuMs()
      scrapeEvery(0)
      const memory = await gcHeap()
      const scraped = scraper?.scrapes ?? 0
      let scrapeCpuMs = 0
      if (scraper != null) {
        const before = cpuMs()
        await scraper.burst(SCRAPES_TIMED)
        scrapeCpuMs = (cpuMs() - before) / SCRAPES_TIMED
      }
      return { metrics: job.metrics, messages: sent, scrapes: scraped, loadCpuMs: cpu1 - cpu0, idleCpuMs: cpu2 - cpu1, loadWallMs, scrapeCpuMs, scrapeBytes: scraper?.bytes ?? 0, ...memory }
    } finally {
      scraper?.close()
    }
  } finally {
    stop.abort()
    await daemon?.catch(() => {})
    for (const child of children) child.kill('SIGKILL')
    await rm(root, { recursive: true, force: true })
  }
}
